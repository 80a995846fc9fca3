import { afterEach, describe, expect, it } from '@jest/globals';
import { freePort } from '../../apps/dispatcher/src/local/free-port.js';
import { type Stack, startStack } from '@test/support/stack.js';

describe('OpenAPI document and health (e2e)', () => {
  let stack: Stack;

  afterEach(async () => {
    await stack?.close();
  });

  it('describes every route, schema and example, and the x-ins-auth-key scheme', async () => {
    stack = await startStack();
    const doc = (await stack.api('get', '/docs-json', false).expect(200)).body;
    expect(doc.components.securitySchemes['x-ins-auth-key']).toEqual({ type: 'apiKey', in: 'header', name: 'x-ins-auth-key', description: 'One of API_KEYS' });
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/audit',
      '/api/v1/messages',
      '/api/v1/messages/batch',
      '/api/v1/messages/cached',
      '/api/v1/messages/replay',
      '/api/v1/messages/replay/preview',
      '/api/v1/messages/sent',
      '/api/v1/messages/stats',
      '/api/v1/messages/{id}',
      '/api/v1/messages/{id}/receipt',
      '/api/v1/messages/{id}/replay',
      '/api/v1/messages/{id}/settle',
      '/api/v1/scheduler/start',
      '/api/v1/scheduler/status',
      '/api/v1/scheduler/stop',
      '/health',
      '/health/live',
      '/health/ready',
      '/metrics',
      '/version',
    ]);
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>)) {
      for (const [method, op] of Object.entries(operations)) {
        expect({ route: `${method} ${path}`, secured: Boolean((op.security as unknown[] | undefined)?.length) }).toEqual({
          route: `${method} ${path}`,
          secured: path.startsWith('/api/v1'),
        });
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      }
    }
    const create = doc.components.schemas.CreateMessageDto;
    expect(create.required).toEqual(['phoneNumber', 'content']);
    expect(create.properties.phoneNumber.example).toBe('+905551111111');
    expect(doc.components.schemas.SentMessagePageDto.properties.items.items.$ref).toBe('#/components/schemas/SentMessageDto');
    expect(doc.components.schemas.SentMessageDto.properties.messageId.example).toBe('67f2f8a8-ea58-4ed0-a6f9-ff217df4d849');
  });

  it('is live, and ready with the database migrated and Redis up', async () => {
    stack = await startStack();
    expect((await stack.api('get', '/health/live', false).expect(200)).body).toEqual({ status: 'ok' });
    const ready = (await stack.api('get', '/health/ready', false).expect(200)).body;
    expect(ready.status).toBe('ok');
    expect(ready.details).toMatchObject({
      dispatcher: { status: 'up' },
      database: { status: 'up' },
      migrations: { status: 'up', pending: 0 },
      redis: { status: 'up', state: 'up' },
    });
  });

  it('stays ready with Redis not configured, and says so', async () => {
    stack = await startStack({ env: { REDIS_URL: undefined } });
    const ready = (await stack.api('get', '/health/ready', false).expect(200)).body;
    expect(ready.details.redis).toEqual({ status: 'up', state: 'disabled' });
  });

  it('stays ready with Redis down, reporting it degraded, and still sends', async () => {
    stack = await startStack({ env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
    const ready = (await stack.api('get', '/health/ready', false).expect(200)).body;
    expect(ready.details.redis).toMatchObject({ status: 'degraded', state: 'down' });
    const [id] = await stack.insert([{ phone: '+905551111111', content: 'no redis' }]);
    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    const deadline = Date.now() + 5_000;
    while ((await stack.row(id)).status !== 'sent' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await stack.row(id)).status).toBe('sent');
  });
});
