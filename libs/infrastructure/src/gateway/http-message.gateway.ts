import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type Dispatcher, Pool } from 'undici';
import { type GatewayResult, MessageGateway, type OutboundSms } from '@app/domain';
import { AppConfig } from '../config/app-config.js';
import { classifyResponse, classifyTransportError } from './classify-response.js';

/** Longest answer read from the gateway; a bigger one is cut off and the outcome is unknown. */
const MAX_ANSWER_BYTES = 64 * 1024;

// A socket the server has already closed must never carry a POST: the write would fail after
// the fact and read as "outcome unknown". Idle sockets are closed after 4 s (under common server
// idle timeouts of 5 s and more); a server's own Keep-Alive timeout hint shortens that, less a
// 2 s margin, and a hint of 2 s or less means no reuse at all. undici also checks an idle socket
// for a pending FIN/RST before it writes the next request, and never retries a POST it wrote.
const KEEP_ALIVE = { keepAliveTimeout: 4_000, keepAliveMaxTimeout: 4_000, keepAliveTimeoutThreshold: 2_000 } as const;
// undici's own per-phase timers (default 300 s) only back up the request's deadline.
const BACKSTOP_MS = 1_000;

/** undici's error codes as the transport codes classifyTransportError reads. */
const TRANSPORT_CODE_FOR: Readonly<Record<string, string>> = {
  // The connection broke after the request was (maybe partly) written.
  UND_ERR_SOCKET: 'ECONNRESET',
  // Backstops of the request deadline: the request went out and no (whole) answer came in time.
  UND_ERR_HEADERS_TIMEOUT: 'ECONNABORTED',
  UND_ERR_BODY_TIMEOUT: 'ECONNABORTED',
};

/** A failure with a transport code, as classifyTransportError reads it. */
class TransportError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The SMS gateway's webhook over HTTP, on an undici connection pool (keep-alive, one connection
 * per send in flight). Every answer, and every failure to get one, becomes a GatewayResult; this
 * never throws for a gateway problem.
 *
 * Why undici and not axios: measured on this project's machine (README, Performance), axios on an
 * undici adapter cost about three times the client CPU per send of undici alone, and the whole
 * dispatcher sent 10-25 % fewer messages per second with it at a high configured rate.
 */
@Injectable()
export class HttpMessageGateway extends MessageGateway implements OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly timeoutMs: number;
  private closing: Promise<void> | undefined;

  constructor(private readonly config: AppConfig) {
    super();
    const url = new URL(config.webhook.url);
    this.path = `${url.pathname}${url.search}`;
    this.timeoutMs = config.webhook.timeoutMs;
    this.pool = new Pool(url.origin, {
      // One connection per send the dispatcher keeps in flight: no send waits for a connection.
      connections: Math.max(1, config.dispatch.concurrency),
      pipelining: 1,
      // Below the request timeout, so that a gateway that cannot be reached is told apart (and
      // retried: nothing was sent) from one that took the request and did not answer in time.
      connect: { timeout: connectTimeoutFor(this.timeoutMs) },
      headersTimeout: this.timeoutMs + BACKSTOP_MS,
      bodyTimeout: this.timeoutMs + BACKSTOP_MS,
      ...KEEP_ALIVE,
    });
  }

  async send(sms: OutboundSms): Promise<GatewayResult> {
    const started = performance.now();
    // After shutdown nothing leaves: certainly not sent, so it may be tried again.
    if (this.closing) return classifyTransportError('UND_ERR_CLOSED', 'the gateway client is shut down', 0);
    const deadline = new Deadline(this.timeoutMs);
    try {
      const answer = await deadline.race(
        this.pool.request({
          path: this.path,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-ins-auth-key': this.config.webhook.authKey,
            'idempotency-key': sms.idempotencyKey,
          },
          body: JSON.stringify({ to: sms.to, content: sms.content }),
          signal: deadline.signal,
        }),
      );
      const text = await deadline.race(readAnswer(answer.body));
      const retryAfter = answer.headers['retry-after'];
      return classifyResponse(answer.statusCode, text, typeof retryAfter === 'string' ? retryAfter : undefined, performance.now() - started);
    } catch (error) {
      const code = transportCode(error);
      const message = error instanceof Error ? error.message : String(error);
      return classifyTransportError(code, message, performance.now() - started);
    } finally {
      deadline.clear();
    }
  }

  /** After the scheduler's drain (beforeApplicationShutdown): waits for the sends in flight, then closes every connection. */
  async onApplicationShutdown(): Promise<void> {
    this.closing ??= this.pool.close();
    await this.closing;
  }
}

/**
 * One deadline for the whole exchange: waiting for a connection, connecting, the request, the
 * headers and the body. It settles the send itself when it passes (undici gives up on a request
 * waiting for a connection only once that connect ends) and aborts the request. A request aborted
 * before it was handed to a connection is never written.
 */
class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly expired: Promise<never>;

  constructor(timeoutMs: number) {
    this.expired = new Promise<never>((_, reject) => {
      this.controller.signal.addEventListener('abort', () => reject(this.controller.signal.reason as Error), { once: true });
    });
    this.expired.catch(() => undefined);
    this.timer = setTimeout(() => this.controller.abort(new TransportError('ECONNABORTED', `timeout of ${timeoutMs}ms exceeded`)), timeoutMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.expired]);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** The whole answer as text, or a failure as soon as it grows past MAX_ANSWER_BYTES (the rest is never read). */
function readAnswer(body: Dispatcher.ResponseData['body']): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        // Destroying an unfinished body aborts the request and closes its connection.
        body.destroy();
        reject(new TransportError('ERR_BAD_RESPONSE', `answer larger than ${MAX_ANSWER_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    body.on('end', () => {
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)).toString('utf8');
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    });
    body.on('error', reject);
  });
}

/**
 * The code classifyTransportError reads: undici's own codes where it has no socket-level name for
 * the failure (UND_ERR_CONNECT_TIMEOUT, UND_ERR_CLOSED: nothing was sent), raw socket codes as they
 * are (ECONNREFUSED, ENOTFOUND ...; a connect that tried several addresses fails with all of
 * their errors), and the rest as the socket-level code it stands for.
 */
function transportCode(error: unknown): string | undefined {
  const code = errorCode(error);
  return (code && TRANSPORT_CODE_FOR[code]) ?? code;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string') return code;
  const { errors } = error as { errors?: unknown };
  return Array.isArray(errors) ? errorCode(errors[0]) : undefined;
}

/**
 * Half the request timeout, at most undici's default of 10 s. undici checks connect timeouts on a
 * coarse clock (they fire up to about 1 s late): below a request timeout of about 3 s, a connect
 * that hangs can meet the request deadline first, and that send ends unknown, as it did before.
 */
function connectTimeoutFor(requestTimeoutMs: number): number {
  return Math.max(1, Math.min(10_000, Math.floor(requestTimeoutMs / 2)));
}
