/**
 * What the sandbox gateway does with the next request. `accept` is the real gateway's happy
 * path; the others are the ways a gateway misbehaves that the dispatcher must survive.
 */
export const SANDBOX_MODES = ['accept', '500', '503', '429', '400', '200', 'no-message-id', 'garbage', 'hang', 'reset'] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];

export interface SandboxBehaviour {
  /** What every request gets unless the script or the failure rate says otherwise. */
  mode: SandboxMode;
  /** Delay before answering, in ms. */
  latencyMs: number;
  /** Share of requests (0..1) that wait `slowMs` more: a gateway whose latency varies. */
  slowRate: number;
  /** Extra delay of a slow request, in ms. */
  slowMs: number;
  /** Share of requests (0..1) answered 500 instead of `mode`. */
  failureRate: number;
  /** Retry-After (seconds) sent with 429 and 503. */
  retryAfterSeconds: number;
  /** Modes for the next requests, in order; used up one per request before `mode` applies. */
  script: SandboxMode[];
}

export interface ReceivedRequest {
  at: string;
  headers: { 'content-type'?: string; 'x-ins-auth-key'?: string; 'idempotency-key'?: string };
  /** The request body exactly as it arrived. */
  rawBody: string;
  to?: string;
  content?: string;
  /** What the sandbox did with it. */
  answered: SandboxMode | 'unauthorized' | 'bad-request';
  /** The messageId it answered with, when it answered 202 with one. */
  messageId?: string;
}

export const DEFAULT_BEHAVIOUR: SandboxBehaviour = { mode: 'accept', latencyMs: 0, slowRate: 0, slowMs: 0, failureRate: 0, retryAfterSeconds: 1, script: [] };
