import { Injectable } from '@nestjs/common';
import { MessageRepository, type MessageStatus, type ReplayableStatus, type ReplayFilter, replayableStatuses } from '@app/domain';
import { DispatchSettings } from '../dispatch-settings.js';

export interface PreviewReplayQuery extends Omit<ReplayFilter, 'statuses'> {
  /** The states a replay would take; any that cannot be replayed is refused (ReplayRefusedError), as by the replay. */
  statuses: readonly MessageStatus[];
}

export interface ReplayPreview {
  /** Messages a replay with this filter would put back to pending now. */
  count: number;
  byStatus: Record<ReplayableStatus, number>;
  /** The 10 most frequent failure reasons among them, most frequent first; null is the reason of those without one. */
  byReason: { reason: string | null; count: number }[];
  /** Up to 20 of their ids, newest first. */
  sampleIds: string[];
  /** How long sending them would take at the current cadence: one batch per interval, ceil(count / batchSize) intervals. */
  drainSeconds: number;
  /** Give it to ReplayMessages (previewToken) to replay exactly this set, or nothing if it has changed. */
  previewToken: string;
}

/** What a bulk replay with this filter would do, changing nothing: counts, reasons, a sample, the time to drain. */
@Injectable()
export class PreviewReplay {
  constructor(
    private readonly messages: MessageRepository,
    private readonly settings: DispatchSettings,
  ) {}

  async execute(query: PreviewReplayQuery): Promise<ReplayPreview> {
    const statuses = replayableStatuses(query.statuses);
    const { fingerprint, ...preview } = await this.messages.previewReplay({ statuses, from: query.from, to: query.to });
    const intervals = Math.ceil(preview.count / this.settings.batchSize);
    return { ...preview, drainSeconds: (intervals * this.settings.intervalMs) / 1000, previewToken: fingerprint };
  }
}
