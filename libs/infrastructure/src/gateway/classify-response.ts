import type { GatewayResult } from '@app/domain';

/**
 * Errors that mean no connection was made, so the gateway cannot have received the request.
 * UND_ERR_CONNECT_TIMEOUT: the connect itself timed out (no TCP/TLS connection, so no request);
 * on node:http such a send ran into the whole request's timeout and was called unknown, which
 * parked a message that had never left. UND_ERR_CLOSED: the transport was already shut down.
 */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED']);
const TIMED_OUT = new Set(['ECONNABORTED', 'ETIMEDOUT']);

/**
 * The gateway contract: only HTTP 202 with a JSON body holding a non-empty string messageId is a
 * success. 429 and 5xx are worth another try; any other answer is final.
 */
export function classifyResponse(status: number, body: string, retryAfter: string | undefined, latencyMs: number): GatewayResult {
  if (status === 202) {
    const messageId = readMessageId(body);
    if (messageId) return { kind: 'accepted', statusCode: status, gatewayMessageId: messageId, latencyMs };
    return { kind: 'rejected', statusCode: status, error: `gateway answered 202 without a messageId: ${excerpt(body)}`, latencyMs };
  }
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return {
      kind: 'retryable',
      statusCode: status,
      error: `gateway answered ${status}: ${excerpt(body)}`,
      latencyMs,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  const what = status >= 200 && status < 300 ? `${status} instead of 202` : `${status}`;
  return { kind: 'rejected', statusCode: status, error: `gateway answered ${what}: ${excerpt(body)}`, latencyMs };
}

export function classifyTransportError(code: string | undefined, message: string, latencyMs: number): GatewayResult {
  if (code && NOT_CONNECTED.has(code)) {
    return { kind: 'retryable', statusCode: null, error: `gateway unreachable (${code})`, latencyMs };
  }
  if (code && TIMED_OUT.has(code)) {
    return { kind: 'unknown', statusCode: null, error: `no answer from the gateway in time (${message})`, latencyMs };
  }
  return { kind: 'unknown', statusCode: null, error: `connection failed after the request was sent (${code ?? message})`, latencyMs };
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date always ends in GMT (IMF-fixdate, and the obsolete RFC 850 form).
  if (!/^[A-Za-z]{3,9}, [0-9A-Za-z -]+ \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function readMessageId(body: string): string | null {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'messageId' in parsed) {
      const id = (parsed as { messageId: unknown }).messageId;
      if (typeof id === 'string' && id.trim().length > 0) return id;
    }
  } catch {
    // not JSON: handled as a missing messageId
  }
  return null;
}

function excerpt(body: string): string {
  const text = (body ?? '').replace(/\s+/g, ' ').trim();
  if (text.length === 0) return '(empty body)';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
