import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from '@jest/globals';
import { type Stack, startStack } from '@test/support/stack.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('GET /version (e2e)', () => {
  let stack: Stack;

  afterEach(async () => {
    await stack?.close();
  });

  it('answers without an API key: package version, commit, start time and replica', async () => {
    stack = await startStack({ env: { GIT_COMMIT: '3f2c1ab9', INSTANCE_ID: 'version-e2e' } });

    const res = await stack.api('get', '/version', false).expect(200);

    expect(res.body).toEqual({ version: PACKAGE_VERSION, commit: '3f2c1ab9', startedAt: expect.any(String), instanceId: 'version-e2e', node: process.version });
    const startedAt = Date.parse(res.body.startedAt);
    expect(startedAt).toBeLessThanOrEqual(Date.now());
    expect(startedAt).toBeGreaterThan(Date.now() - process.uptime() * 1000 - 1000);
  });

  it('says null for the commit when the build did not record one', async () => {
    stack = await startStack();

    const res = await stack.api('get', '/version', false).expect(200);

    expect(res.body.commit).toBeNull();
  });

  it('puts the same version in the Swagger document, which lists /version and /metrics', async () => {
    stack = await startStack();

    const res = await stack.api('get', '/docs-json', false).expect(200);

    expect(res.body.info.version).toBe(PACKAGE_VERSION);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/version', '/metrics']));
    expect(res.body.paths['/version'].get.security).toEqual([]);
  });
});
