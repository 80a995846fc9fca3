import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import request from 'supertest';
import { Clock } from '@app/domain';
import { AppConfig } from '@app/infrastructure';
import { AppModule } from '../../apps/dispatcher/src/app.module.js';
import { setupApp } from '../../apps/dispatcher/src/setup-app.js';
import { createSandboxApp } from '../../apps/gateway-sandbox/src/create-sandbox.js';
import type { SandboxBehaviour } from '../../apps/gateway-sandbox/src/sandbox-behaviour.js';
import { SandboxState } from '../../apps/gateway-sandbox/src/sandbox-state.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const API_KEY = 'e2e-primary-api-key-0001';
export const SECOND_API_KEY = 'e2e-rotated-api-key-0002';
export const WEBHOOK_KEY = 'e2e-webhook-key';

export interface StackOptions {
  /** Environment on top of the test defaults (interval 300 ms, autostart off, Redis on). */
  env?: Record<string, string | undefined>;
  sandbox?: Partial<SandboxBehaviour>;
  /** Replaces the system clock, so the test drives ticks. */
  clock?: Clock;
  /** Runs against the fresh database before the dispatcher boots (rows that predate the deploy). */
  beforeBoot?: (db: TestDatabase) => Promise<void>;
}

export interface Stack {
  app: INestApplication;
  config: AppConfig;
  db: TestDatabase;
  sandbox: SandboxState;
  sandboxUrl: string;
  redis: Redis;
  /** supertest against the dispatcher, with the API key unless `auth` is false. */
  api(method: 'get' | 'post', path: string, auth?: boolean): request.Test;
  insert(rows: { phone: string; content: string }[]): Promise<string[]>;
  row(id: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * The dispatcher as production wires it (AppModule + setupApp), on a fresh database, with the
 * sandbox gateway on a random port and the machine's Redis. Only the clock may be replaced.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const db = await createTestDatabase();
  await options.beforeBoot?.(db);
  const sandboxApp = await createSandboxApp({ authKey: WEBHOOK_KEY, behaviour: options.sandbox }, true);
  await sandboxApp.listen(0, '127.0.0.1');
  const sandboxUrl = (await sandboxApp.getUrl()).replace('[::1]', '127.0.0.1');

  const config = AppConfig.fromEnv({
    DATABASE_URL: db.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    WEBHOOK_URL: `${sandboxUrl}/webhook`,
    WEBHOOK_AUTH_KEY: WEBHOOK_KEY,
    WEBHOOK_TIMEOUT_MS: '1000',
    API_KEYS: `${API_KEY}, ${SECOND_API_KEY}`,
    DISPATCH_INTERVAL_MS: '300',
    DISPATCH_AUTOSTART: 'false',
    RETRY_BASE_MS: '50',
    RETRY_MAX_MS: '200',
    // Silent unless E2E_LOGS is set (then LOG_LEVEL and LOG_FORMAT may come from the environment).
    LOG_LEVEL: process.env.E2E_LOGS ? process.env.LOG_LEVEL : 'silent',
    LOG_FORMAT: process.env.LOG_FORMAT,
    ...options.env,
  });

  let builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
  if (options.clock) builder = builder.overrideProvider(Clock).useValue(options.clock);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, bufferLogs: true });
  setupApp(app);
  await app.init();

  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  const server = app.getHttpServer();

  return {
    app,
    config,
    db,
    sandbox: sandboxApp.get(SandboxState),
    sandboxUrl,
    redis,
    api: (method, path, auth = true) => {
      const req = request(server)[method](path);
      return auth ? req.set('x-ins-auth-key', API_KEY) : req;
    },
    insert: async (rows) => {
      const ids: string[] = [];
      for (const r of rows) {
        const { rows: inserted } = await db.sql.query('INSERT INTO messages (phone_number, content) VALUES ($1, $2) RETURNING id', [r.phone, r.content]);
        ids.push(inserted[0].id);
      }
      return ids;
    },
    row: async (id) => (await db.sql.query('SELECT * FROM messages WHERE id = $1', [id])).rows[0],
    close: async () => {
      await app.close();
      await sandboxApp.close();
      redis.disconnect();
      await db.close();
    },
  };
}

// The waits and samples every e2e spec uses, from their one place.
export { sleep, waitFor } from './waits.js';
export { phones } from './samples.js';
