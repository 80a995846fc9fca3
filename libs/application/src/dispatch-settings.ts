import type { RetrySettings } from '@app/domain';

/** The knobs of sending, handed to the use cases by the app that wires them (from its config). */
export class DispatchSettings {
  intervalMs!: number;
  batchSize!: number;
  autostart!: boolean;
  maxContentLength!: number;
  retry!: RetrySettings;
}
