import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAgent, HttpsAgent } from 'agentkeepalive';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { type GatewayResult, MessageGateway, type OutboundSms } from '@app/domain';
import { AppConfig } from '../config/app-config.js';
import { classifyResponse, classifyTransportError } from './classify-response.js';

/**
 * The SMS gateway's webhook over HTTP (axios, keep-alive). Every answer, and every failure to
 * get one, becomes a GatewayResult; this never throws for a gateway problem.
 */
@Injectable()
export class HttpMessageGateway extends MessageGateway implements OnApplicationShutdown {
  private readonly http: AxiosInstance;
  // Keep-alive saves a connection set-up per send, but an idle connection the gateway has
  // already closed would turn the next send into a reset, which counts as "outcome unknown".
  // agentkeepalive drops idle sockets after 4 s, before common server idle timeouts (5 s+).
  // Its working-socket timeout stays above WEBHOOK_TIMEOUT_MS so that axios' timeout decides.
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(private readonly config: AppConfig) {
    super();
    const agentOptions = { maxSockets: 64, freeSocketTimeout: 4_000, timeout: config.webhook.timeoutMs + 5_000 };
    this.httpAgent = new HttpAgent(agentOptions);
    this.httpsAgent = new HttpsAgent(agentOptions);
    this.http = axios.create({
      timeout: config.webhook.timeoutMs,
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxContentLength: 64 * 1024,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
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
  onApplicationShutdown(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
