import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { Clock, SchedulerState, type TickPermit } from '@app/domain';
import { AppConfig, DatabaseClock, PgSchedulerState } from '@app/infrastructure';
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
  /** Replaces the clock, so the test drives ticks: the tick permit follows it too (TestClockSchedulerState). */
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
 * The scheduler state of production, except that the tick permit is granted by the test's clock
 * instead of the database's (which a test cannot move two minutes on). It is written to the same
 * row, so that claims and starts are fenced by it as in production. The database's own clock
 * deciding is tested in test/integration/scheduler-state.spec.ts and test/fault/clock-skew.spec.ts.
 */
class TestClockSchedulerState extends PgSchedulerState {
  constructor(
    private readonly dataSource: DataSource,
    databaseClock: DatabaseClock,
    private readonly testClock: Clock,
  ) {
    super(dataSource, databaseClock);
  }

  override async tryTick(intervalMs: number, by: string): Promise<TickPermit> {
    const now = this.testClock.now();
    // For an UPDATE, TypeORM's postgres driver answers [rows, affected count].
    const [granted]: [{ tick_no: string }[], number] = await this.dataSource.query(
      `UPDATE dispatcher_state SET last_tick_at = $1, tick_no = tick_no + 1, last_tick_by = $3
        WHERE id = 1 AND (last_tick_at IS NULL OR last_tick_at <= $1::timestamptz - $2 * interval '1 millisecond') RETURNING tick_no`,
      [now, intervalMs, by],
    );
    if (granted.length > 0) return { granted: true, tickNo: Number(granted[0].tick_no), lastTickAt: now, waitMs: intervalMs };
    const [row]: { tick_no: string; last_tick_at: Date }[] = await this.dataSource.query(`SELECT tick_no, last_tick_at FROM dispatcher_state WHERE id = 1`);
    return { granted: false, tickNo: Number(row.tick_no), lastTickAt: row.last_tick_at, waitMs: row.last_tick_at.getTime() + intervalMs - now.getTime() };
  }
}

/**
 * The dispatcher as production wires it (AppModule + setupApp), on a fresh database, with the
 * sandbox gateway on a random port and the machine's Redis. Only the clock may be replaced (and the tick permit with it).
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
  const clock = options.clock;
  if (clock) {
    builder = builder
      .overrideProvider(Clock)
      .useValue(clock)
      .overrideProvider(SchedulerState)
      .useFactory({
        factory: (dataSource: DataSource, dbClock: DatabaseClock) => new TestClockSchedulerState(dataSource, dbClock, clock),
        inject: [DataSource, DatabaseClock],
      });
  }
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
