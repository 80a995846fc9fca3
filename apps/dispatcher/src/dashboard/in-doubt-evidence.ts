import { type AttemptRecord, LEASE_LOST, type Message, OUTCOME_UNKNOWN } from '@app/domain';

/**
 * The evidence of a message in doubt (`unknown`), as the in-doubt inbox shows it: when its request
 * went out, what happened to it, and the Idempotency-Key the gateway got. Read from how the
 * dispatcher marks such a message:
 * - a send that got no usable answer records an attempt with outcome `unknown` and its error, and
 *   the message's failure reason `outcome unknown: <error>`; the gateway adapter writes the error
 *   as `no answer from the gateway in time (...)` (a timeout) or `connection failed after the
 *   request was sent (...)` (a dropped connection);
 * - a sender that died or stalled past its lease with the request out records no attempt: the
 *   lease sweep parks the row with the failure reason LEASE_LOST (and lease_lost_at, which the
 *   repository keeps to itself);
 * - requestStartedAt is set when the request is let go out, and stays after the outcome.
 */
export type InDoubtCause = 'timeout' | 'connection-dropped' | 'sender-died' | 'other';

export interface InDoubtEvidence {
  /** When the request went out: requestStartedAt, else the last attempt's answer time less its latency; null when unknown. */
  wentOutAt: Date | null;
  cause: InDoubtCause;
  /** The cause in a few words. */
  summary: string;
  /** The error as recorded (the attempt's, else the failure reason), or null. */
  error: string | null;
  /** The attempt of the lost request, when one was recorded. */
  attempt: AttemptRecord | null;
  /** The header the gateway got with the request: the message id. */
  idempotencyKey: string;
}

const SUMMARIES: Record<InDoubtCause, string> = {
  timeout: 'Timeout: the gateway did not answer in time',
  'connection-dropped': 'Dropped connection: it failed after the request was sent',
  'sender-died': 'Sender died: its lease ran out with the request out, and no answer was recorded',
  other: 'No usable answer came back',
};

/** How an error text reads: which of the causes it names. */
export function causeOf(text: string | null): InDoubtCause {
  if (text === null) return 'other';
  if (text.startsWith(LEASE_LOST)) return 'sender-died';
  if (/no answer from the gateway in time|timed? ?out/i.test(text)) return 'timeout';
  if (/connection failed after the request was sent|socket hang up|ECONNRESET|EPIPE|other side closed/i.test(text)) return 'connection-dropped';
  return 'other';
}

/** The evidence of `message` (in doubt) from its fields and its attempts (oldest first, as GetMessage gives them). */
export function inDoubtEvidence(message: Message, attempts: readonly AttemptRecord[]): InDoubtEvidence {
  const reason = message.failureReason;
  const last = attempts.length > 0 ? attempts[attempts.length - 1] : null;
  const senderDied = reason !== null && reason.startsWith(LEASE_LOST);
  // The lost request's attempt: the last one, if it is the unknown outcome of this round (not one before a replay or a lost lease).
  const started = message.requestStartedAt?.getTime() ?? null;
  const attempt = !senderDied && last !== null && last.outcome === 'unknown' && (started === null || last.at.getTime() >= started) ? last : null;
  const error = attempt?.error ?? (reason === null ? null : reason.startsWith(`${OUTCOME_UNKNOWN}: `) ? reason.slice(OUTCOME_UNKNOWN.length + 2) : reason);
  const cause = senderDied ? 'sender-died' : causeOf(error);
  const wentOutAt = message.requestStartedAt ?? (attempt ? new Date(attempt.at.getTime() - attempt.latencyMs) : null);
  return { wentOutAt, cause, summary: SUMMARIES[cause], error, attempt, idempotencyKey: message.id };
}
