import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { type GatewayResult, MessageGateway, type OutboundSms } from '@app/domain';
import { AppConfig } from '../config/app-config.js';
import { classifyResponse, classifyTransportError } from './classify-response.js';
import { UndiciAxiosAdapter } from './undici-axios-adapter.js';

/**
 * The SMS gateway's webhook over HTTP (axios on an undici connection pool, keep-alive). Every
 * answer, and every failure to get one, becomes a GatewayResult; this never throws for a gateway
 * problem.
 */
@Injectable()
export class HttpMessageGateway extends MessageGateway implements OnApplicationShutdown {
  private readonly http: AxiosInstance;
  private readonly transport: UndiciAxiosAdapter;

  constructor(private readonly config: AppConfig) {
    super();
    this.transport = new UndiciAxiosAdapter({
      // One connection per send the dispatcher keeps in flight: no send waits for a connection.
      connections: Math.max(1, config.dispatch.concurrency),
      // Below the request timeout, so that a gateway that cannot be reached is told apart (and
      // retried: nothing was sent) from one that took the request and did not answer in time.
      connectTimeoutMs: connectTimeoutFor(config.webhook.timeoutMs),
    });
    this.http = axios.create({
      adapter: this.transport.adapter,
      timeout: config.webhook.timeoutMs,
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxContentLength: 64 * 1024,
    });
  }

  async send(sms: OutboundSms): Promise<GatewayResult> {
    const started = performance.now();
    try {
      const response = await this.http.post<string>(this.config.webhook.url, JSON.stringify({ to: sms.to, content: sms.content }), {
        headers: {
          'Content-Type': 'application/json',
          'x-ins-auth-key': this.config.webhook.authKey,
          'Idempotency-Key': sms.idempotencyKey,
        },
      });
      const retryAfter = response.headers['retry-after'];
      return classifyResponse(response.status, response.data, typeof retryAfter === 'string' ? retryAfter : undefined, performance.now() - started);
    } catch (error) {
      const code = isAxiosError(error) ? error.code : undefined;
      const message = error instanceof Error ? error.message : String(error);
      return classifyTransportError(code, message, performance.now() - started);
    }
  }

  /** After the scheduler's drain (beforeApplicationShutdown): sends in flight finish first. */
  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }
}

/**
 * Half the request timeout, at most undici's default of 10 s. undici checks connect timeouts on a
 * coarse clock (they fire up to about 1 s late): below a request timeout of about 3 s, a connect
 * that hangs can meet the request deadline first, and that send ends unknown, as it did before.
 */
function connectTimeoutFor(requestTimeoutMs: number): number {
  return Math.max(1, Math.min(10_000, Math.floor(requestTimeoutMs / 2)));
}
