import { Injectable, Logger } from '@nestjs/common';
import { Clock, Leadership, type Message, MessageRepository, RetryPolicy, SentMessageCache } from '@app/domain';
import { DispatchSettings } from '../dispatch-settings.js';
import { CircuitBreakerGateway } from './circuit-breaker-gateway.js';
import { OutcomeWriter } from './outcome-writer.js';
import { SendPacer } from './send-pacer.js';
import { SendPipeline } from './send-pipeline.js';
import { emptyTickReport, type TickReport, type TickResult } from './tick-report.js';

/** How many extra claims one tick may make to replace invalid rows it found. */
const MAX_REFILL_ROUNDS = 5;

export interface DispatchControl {
  /** Aborted by a stop or a shutdown: the batch starts no new group and hands its unsent rows back. */
  signal?: AbortSignal;
  /** The cluster's tick permit this batch runs under: claims and request starts are fenced by it. */
  tick?: number;
}

/**
 * One tick of sending, as data in a few hops: claim up to DISPATCH_BATCH_SIZE due messages in
 * one committed statement (as many as the breaker admits), fail the invalid ones without
 * sending, send the rest through the pipeline (groups in flight, each started by one fenced
 * statement, as far as the gateway's window has room: SendPacer), the outcome writer records
 * every outcome, and the result goes to the tick listener. Metrics, totals, logs and alerts are
 * the listener's business, not this use case's.
 */
@Injectable()
export class DispatchBatch {
  private readonly logger = new Logger(DispatchBatch.name);
  private readonly policy: RetryPolicy;

  constructor(
    private readonly messages: MessageRepository,
    private readonly gateway: CircuitBreakerGateway,
    private readonly cache: SentMessageCache,
    private readonly clock: Clock,
    private readonly leadership: Leadership,
    private readonly settings: DispatchSettings,
    private readonly pacer: SendPacer,
  ) {
    this.policy = new RetryPolicy(settings.retry);
  }

  async execute(control: DispatchControl = {}): Promise<TickResult> {
    const startedAt = this.clock.now();
    const report = emptyTickReport(startedAt);
    const allowance = this.gateway.admit(this.settings.batchSize);
    if (allowance === 0) {
      report.skipped = 'breaker-open';
      return { report, attempts: [], breakerOpened: this.gateway.takeOpening() };
    }

    const writer = new OutcomeWriter(this.messages, this.cache, this.clock);
    const pipeline = new SendPipeline(
      {
        messages: this.messages,
        gateway: this.gateway,
        writer,
        clock: this.clock,
        policy: this.policy,
        settings: this.settings,
        pacer: this.pacer,
        tick: control.tick,
      },
      report,
      control.signal ?? new AbortController().signal,
    );
    try {
      await pipeline.run(await this.claimSendable(allowance, report, writer, control.tick));
    } finally {
      await writer.close();
    }
    report.durationMs = this.clock.now().getTime() - startedAt.getTime();
    return { report, attempts: pipeline.attempts, breakerOpened: this.gateway.takeOpening() };
  }

  /** Claims due messages; rows that break the rules are failed at once (no send) and replaced. */
  private async claimSendable(allowance: number, report: TickReport, writer: OutcomeWriter, tick: number | undefined): Promise<Message[]> {
    const sendable: Message[] = [];
    const claim = { owner: this.leadership.instanceId, leaseMs: this.settings.leaseMs, tick };
    for (let round = 0; round <= MAX_REFILL_ROUNDS && sendable.length < allowance; round += 1) {
      const claimed = await this.messages.claimBatch(allowance - sendable.length, this.clock.now(), claim);
      report.claimed += claimed.length;
      let invalid = 0;
      for (const message of claimed) {
        const reason = message.invalidReason(this.settings.maxContentLength);
        if (reason === null) {
          sendable.push(message);
          continue;
        }
        message.rejectAsInvalid(reason, this.clock.now());
        writer.add({ message, attempt: null });
        invalid += 1;
        this.logger.warn(`message ${message.id} is invalid and will not be sent: ${reason}`);
      }
      report.invalid += invalid;
      if (invalid === 0) break;
    }
    return sendable;
  }
}
