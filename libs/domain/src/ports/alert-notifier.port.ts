export type AlertKind = 'breaker-opened' | 'ticks-without-sending';

export interface Alert {
  kind: AlertKind;
  message: string;
  instanceId: string;
  at: Date;
  details?: Record<string, unknown>;
}

/** Tells operators that sending is in trouble. Best effort: never throws. */
export abstract class AlertNotifier {
  abstract notify(alert: Alert): Promise<void>;
}
