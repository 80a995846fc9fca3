import type { InDoubtPolicy, RetrySettings } from '@app/domain';
import { MessageSettings } from './message-settings.js';

/**
 * The knobs of sending, handed to the use cases by the app that wires them (from its config).
 * The content limit (MessageSettings) also decides which claimed rows are invalid.
 */
export class DispatchSettings extends MessageSettings {
  intervalMs!: number;
  batchSize!: number;
  /** Sends of one batch in flight at once (1: the gateway receives them strictly in claim order). */
  concurrency!: number;
  autostart!: boolean;
  retry!: RetrySettings;
  /** How long a claim holds; longer than the webhook timeout. */
  leaseMs!: number;
  inDoubtPolicy!: InDoubtPolicy;
  breaker!: { failures: number; cooldownMs: number };
  /** Alert after this many ticks in a row that had work and sent nothing. */
  alertAfterFailedTicks!: number;
  /** Longest wait for sends in flight on shutdown. */
  shutdownGraceMs!: number;
}
