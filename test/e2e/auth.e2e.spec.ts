import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectResponseToMatchDocument, fetchDocument, type OpenApiDocument } from '@test/support/openapi.js';
import { SECOND_API_KEY, type Stack, startStack } from '@test/support/stack.js';

const ROUTES: ['get' | 'post', string][] = [
  ['post', '/api/v1/scheduler/start'],
  ['post', '/api/v1/scheduler/stop'],
  ['get', '/api/v1/scheduler/status'],
  ['get', '/api/v1/messages/sent'],
  ['get', '/api/v1/messages/cached'],
  ['get', '/api/v1/messages/0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11/receipt'],
  ['post', '/api/v1/messages'],
  ['post', '/api/v1/messages/batch'],
  ['get', '/api/v1/messages/0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11'],
  ['get', '/api/v1/messages'],
  ['get', '/api/v1/messages/stats'],
  ['post', '/api/v1/messages/replay'],
  ['post', '/api/v1/messages/0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11/replay'],
  ['post', '/api/v1/messages/replay/preview'],
  ['post', '/api/v1/messages/0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11/settle'],
  ['get', '/api/v1/audit'],
];

describe('API key (e2e)', () => {
  let stack: Stack;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    stack = await startStack();
    doc = await fetchDocument(stack);
  });

  afterAll(async () => {
    await stack.close();
  });

  it('lists every /api/v1 route of the OpenAPI document here', async () => {
    const doc = (await stack.api('get', '/docs-json', false).expect(200)).body;
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path.startsWith('/api/v1'))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
      .sort();
    const tested = ROUTES.map(([method, path]) => `${method} ${path.replace(/[0-9a-f-]{36}/, '{id}')}`).sort();
    expect(tested).toEqual(documented);
  });

  it.each(ROUTES)('%s %s answers 401 without the key', async (method, path) => {
    const res = await stack.api(method, path, false).send({ phoneNumber: '+905551111111', content: 'hi' }).expect(401);
    expect(res.body).toEqual({ statusCode: 401, code: 'UNAUTHORIZED', message: 'missing x-ins-auth-key header' });
    expectResponseToMatchDocument(doc, res);
  });

  it.each(ROUTES)('%s %s answers 401 with a wrong key', async (method, path) => {
    const res = await stack
      .api(method, path, false)
      .set('x-ins-auth-key', 'not-the-right-key-at-all')
      .send({ phoneNumber: '+905551111111', content: 'hi' })
      .expect(401);
    expect(res.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED', message: 'invalid x-ins-auth-key header' });
    expectResponseToMatchDocument(doc, res);
  });

  it('accepts every key of API_KEYS, so a key can be rotated', async () => {
    await stack.api('get', '/api/v1/scheduler/status', false).set('x-ins-auth-key', SECOND_API_KEY).expect(200);
    await stack.api('get', '/api/v1/scheduler/status').expect(200);
  });

  it('refuses a key that only shares a prefix with a valid one, or differs in case', async () => {
    await stack.api('get', '/api/v1/messages/stats', false).set('x-ins-auth-key', SECOND_API_KEY.slice(0, -1)).expect(401);
    await stack.api('get', '/api/v1/messages/stats', false).set('x-ins-auth-key', `${SECOND_API_KEY}x`).expect(401);
    await stack.api('get', '/api/v1/messages/stats', false).set('x-ins-auth-key', SECOND_API_KEY.toUpperCase()).expect(401);
  });

  it('leaves health, Swagger UI and the OpenAPI document open', async () => {
    await stack.api('get', '/health/live', false).expect(200);
    await stack.api('get', '/health/ready', false).expect(200);
    await stack.api('get', '/docs-json', false).expect(200);
    const ui = await stack.api('get', '/docs', false).expect(200);
    expect(ui.text).toContain('swagger-ui');
  });
});
