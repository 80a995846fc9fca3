import { randomUUID } from 'node:crypto';
import { Controller, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ReceivedRequest, SandboxMode } from './sandbox-behaviour.js';
import { SandboxState } from './sandbox-state.js';

/**
 * The gateway contract: POST with x-ins-auth-key and {"to","content"}; 202
 * {"message":"Accepted","messageId":"<uuid>"}. Every request is recorded before it is answered.
 */
@Controller()
export class WebhookController {
  constructor(private readonly state: SandboxState) {}

  @Post(['webhook', ''])
  async receive(@Req() req: Request & { rawBody?: Buffer }, @Res() res: Response): Promise<void> {
    const record: ReceivedRequest = {
      at: new Date().toISOString(),
      headers: {
        'content-type': req.headers['content-type'],
        'x-ins-auth-key': header(req, 'x-ins-auth-key'),
        'idempotency-key': header(req, 'idempotency-key'),
      },
      rawBody: req.rawBody?.toString('utf8') ?? '',
      answered: 'accept',
    };
    this.state.received.push(record);

    if (record.headers['x-ins-auth-key'] !== this.state.options.authKey) {
      record.answered = 'unauthorized';
      res.status(401).json({ message: 'Unauthorized' });
      return;
    }
    const body: unknown = req.body;
    if (!isSms(body)) {
      record.answered = 'bad-request';
      res.status(400).json({ message: 'body must be {"to": string, "content": string}' });
      return;
    }
    record.to = body.to;
    record.content = body.content;

    const behaviour = this.state.behaviour;
    const mode: SandboxMode = behaviour.script.shift() ?? (Math.random() < behaviour.failureRate ? '500' : behaviour.mode);
    record.answered = mode;
    const delayMs = behaviour.latencyMs + (behaviour.slowRate > 0 && Math.random() < behaviour.slowRate ? behaviour.slowMs : 0);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    this.answer(mode, res, record);
  }

  private answer(mode: SandboxMode, res: Response, record: ReceivedRequest): void {
    const retryAfter = String(this.state.behaviour.retryAfterSeconds);
    switch (mode) {
      case 'accept':
        record.messageId = randomUUID();
        res.status(202).json({ message: 'Accepted', messageId: record.messageId });
        return;
      case '200':
        res.status(200).json({ message: 'OK', messageId: randomUUID() });
        return;
      case 'no-message-id':
        res.status(202).json({ message: 'Accepted' });
        return;
      case 'garbage':
        res.status(202).type('application/json').send('<html>Accepted?</html>');
        return;
      case '400':
        // Like many real gateways, it echoes the request it refused (the dispatcher must keep
        // such echoes of message content out of its logs).
        res.status(400).json({ message: 'Bad Request: invalid recipient', request: { to: record.to, content: record.content } });
        return;
      case '429':
        res.status(429).set('Retry-After', retryAfter).json({ message: 'Too Many Requests' });
        return;
      case '500':
        res.status(500).json({ message: 'Internal Server Error' });
        return;
      case '503':
        res.status(503).set('Retry-After', retryAfter).json({ message: 'Service Unavailable' });
        return;
      case 'hang':
        this.state.hanging.add(res);
        res.on('close', () => this.state.hanging.delete(res));
        return;
      case 'reset':
        res.socket?.destroy();
        return;
    }
  }
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function isSms(body: unknown): body is { to: string; content: string } {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { to?: unknown }).to === 'string' &&
    typeof (body as { content?: unknown }).content === 'string'
  );
}
