import 'reflect-metadata';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, HttpException, type INestApplication, Logger, ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppConfig } from '@app/infrastructure';
import { isProbe, REDACTED, requestIdFor } from './logger-options.js';
import { LoggingModule, useLogging } from './logging.module.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const lines: string[] = [];
const records = () => lines.map((l) => JSON.parse(l) as Record<string, any>);
const destination = { write: (line: string) => void lines.push(...line.split('\n').filter(Boolean)) };

@Controller()
class ProbeController {
  private readonly logger = new Logger('Probe');

  @Get('work')
  work(): { ok: true } {
    this.logger.log({ msg: 'working', step: 1 });
    return { ok: true };
  }

  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  ready(): never {
    throw new ServiceUnavailableException('draining');
  }

  @Get('teapot')
  teapot(): never {
    throw new HttpException('short and stout', 418);
  }

  @Get('boom')
  boom(): never {
    throw new Error('boom');
  }
}

/**
 * The logging module on its own, with its lines captured: what Nest Logger calls and requests
 * turn into. (The e2e stack logs nothing; test/fault/logging-redaction.spec.ts checks the real
 * process's stdout.)
 */
describe('logging', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const config = AppConfig.fromEnv({
      DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
      WEBHOOK_URL: 'http://127.0.0.1:1/webhook',
      WEBHOOK_AUTH_KEY: 'unit-webhook-key',
      API_KEYS: 'unit-api-key-0123456789',
      INSTANCE_ID: 'unit-1',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
    });
    const moduleRef = await Test.createTestingModule({ imports: [LoggingModule.forRoot(config, { destination })], controllers: [ProbeController] }).compile();
    app = moduleRef.createNestApplication({ bufferLogs: true });
    useLogging(app);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
  });

  beforeEach(() => {
    lines.length = 0;
  });

  it('writes a Nest Logger call with an object as the fields of one JSON line, msg included', () => {
    new Logger('DispatchScheduler').log({ msg: 'tick', claimed: 2, sent: 2, durationMs: 12 });
    new Logger('DispatchBatch').warn({ msg: 'attempt failed', messageId: 'm-1', outcome: 'retryable', reason: 'gateway answered 500' });
    new Logger('Plain').log('a plain text');
    new Logger('Plain').error('an error text');

    const [tick, failed, plain, error] = records();
    console.log(`logging test: Nest Logger calls come out as\n${lines.join('\n')}`);
    expect(tick).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'message-dispatcher',
      instanceId: 'unit-1',
      context: 'DispatchScheduler',
      msg: 'tick',
      claimed: 2,
      sent: 2,
      durationMs: 12,
    });
    expect(failed).toMatchObject({
      level: 'warn',
      context: 'DispatchBatch',
      msg: 'attempt failed',
      messageId: 'm-1',
      outcome: 'retryable',
      reason: 'gateway answered 500',
    });
    expect(plain).toMatchObject({ level: 'info', context: 'Plain', msg: 'a plain text' });
    expect(error).toMatchObject({ level: 'error', context: 'Plain', msg: 'an error text' });
  });

  it('redacts keys, credentials and content in logged objects', () => {
    new Logger('X').log({
      msg: 'everything secret',
      req: { method: 'GET', url: '/x', headers: { 'x-ins-auth-key': 'api-key-1', authorization: 'Bearer t0k3n', cookie: 'session=c00k1e', accept: '*/*' } },
      headers: { 'x-ins-auth-key': 'api-key-2' },
      content: 'content-top',
      message: { id: 'm-1', content: 'content-nested', to: '+905551111111' },
      messages: [{ content: 'content-in-array' }],
      sms: { payload: { content: 'content-deep' } },
      config: { webhook: { url: 'http://gw', authKey: 'webhook-key' }, apiKeys: ['api-key-3'] },
      webhook: { authKey: 'webhook-key-2' },
    });
    const line = lines.join('\n');
    console.log(`logging test: a logged object with secrets comes out as\n${line}`);
    for (const secret of [
      'api-key-1',
      'api-key-2',
      'api-key-3',
      't0k3n',
      'c00k1e',
      'content-top',
      'content-nested',
      'content-in-array',
      'content-deep',
      'webhook-key',
    ]) {
      expect(line).not.toContain(secret);
    }
    const [record] = records();
    // A request is reduced to its method and URL; headers anywhere else are redacted.
    expect(record.req).toEqual({ method: 'GET', url: '/x' });
    expect(record.headers).toEqual({ 'x-ins-auth-key': REDACTED });
    expect(record.message).toEqual({ id: 'm-1', content: REDACTED, to: '+905551111111' });
    expect(record.config.webhook).toEqual({ url: 'http://gw', authKey: REDACTED });
  });

  it('logs an error object as type, message, stack and code only', () => {
    const error = Object.assign(new Error('request failed'), {
      code: 'ECONNRESET',
      config: { headers: { 'x-ins-auth-key': 'webhook-key' }, data: '{"to":"+905551111111","content":"content-in-config"}' },
      parameters: ['content-in-parameters'],
      detail: 'Failing row contains (content-in-detail)',
    });
    new Logger('X').error({ msg: 'send failed', err: error });
    const line = lines.join('\n');
    expect(line).not.toMatch(/webhook-key|content-in-/);
    expect(records()[0].err).toEqual({ type: 'Error', message: 'request failed', stack: expect.stringContaining('request failed'), code: 'ECONNRESET' });
  });

  it('logs one small line per request, with the correlation id, which the lines logged while handling it carry too', async () => {
    const answer = await request(app.getHttpServer())
      .get('/work?page=2')
      .set('x-request-id', 'caller-id-1')
      .set('x-ins-auth-key', 'api-key-1')
      .set('cookie', 'session=c00k1e');
    expect(answer.headers['x-request-id']).toBe('caller-id-1');
    const all = records();
    expect(all.find((r) => r.msg === 'working')).toMatchObject({ reqId: 'caller-id-1', context: 'Probe', step: 1 });
    const line = all.find((r) => r.msg === 'request completed');
    expect(line).toEqual({
      level: 'info',
      time: expect.any(String),
      service: 'message-dispatcher',
      instanceId: 'unit-1',
      reqId: 'caller-id-1',
      req: { method: 'GET', url: '/work?page=2' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      msg: 'request completed',
    });
    expect(lines.join('\n')).not.toMatch(/api-key-1|c00k1e/);
  });

  it('answers with a fresh UUID when the caller sends no x-request-id or an unusable one', async () => {
    const server = app.getHttpServer();
    const absent = await request(server).get('/work');
    const unusable = await request(server).get('/work').set('x-request-id', 'has spaces and "quotes"');
    const tooLong = await request(server).get('/work').set('x-request-id', 'x'.repeat(129));
    for (const answer of [absent, unusable, tooLong]) expect(answer.headers['x-request-id']).toMatch(UUID);
    const ids = records()
      .filter((r) => r.msg === 'request completed')
      .map((r) => r.reqId);
    expect(ids).toEqual([absent, unusable, tooLong].map((a) => a.headers['x-request-id']));
  });

  it('logs 4xx at warn, 5xx at error, probes at debug (warn when they fail)', async () => {
    const server = app.getHttpServer();
    await request(server).get('/health/live').expect(200);
    await request(server).get('/health/ready').expect(503);
    await request(server).get('/teapot').expect(418);
    await request(server).get('/nowhere').expect(404);
    await request(server).get('/boom').expect(500);
    const byUrl = Object.fromEntries(
      records()
        .filter((r) => r.req)
        .map((r) => [r.req.url, r]),
    );
    expect(byUrl['/health/live']).toMatchObject({ level: 'debug', res: { statusCode: 200 } });
    expect(byUrl['/health/ready']).toMatchObject({ level: 'warn', res: { statusCode: 503 } });
    expect(byUrl['/teapot']).toMatchObject({ level: 'warn', res: { statusCode: 418 } });
    expect(byUrl['/nowhere']).toMatchObject({ level: 'warn', res: { statusCode: 404 } });
    expect(byUrl['/boom']).toMatchObject({ level: 'error', res: { statusCode: 500 }, msg: 'request errored' });
    expect(byUrl['/boom'].err).toBeUndefined();
  });

  it('keeps sane caller ids only, and knows the probes', () => {
    expect(requestIdFor('abc-DEF_1.2:3')).toBe('abc-DEF_1.2:3');
    expect(requestIdFor('a'.repeat(128))).toBe('a'.repeat(128));
    for (const bad of [undefined, '', 'a'.repeat(129), 'a b', 'a\nb', 'ä', ['a', 'b']]) expect(requestIdFor(bad)).toMatch(UUID);
    expect(['/health/live', '/health/ready', '/metrics', '/metrics?x=1'].every(isProbe)).toBe(true);
    expect(['/api/v1/messages', '/healthz', '/metrics-old', '/docs'].some(isProbe)).toBe(false);
  });
});
