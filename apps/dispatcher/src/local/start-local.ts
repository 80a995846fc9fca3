import '../heap-growth.js';
import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { AppConfig, ConfigError, ConfigSchema, LOCAL_VARIABLES } from '@app/infrastructure';
import { createDispatcherApp } from '../setup-app.js';
import { type EmbeddedDatabase, isEmpty, startEmbeddedDatabase } from './embedded-database.js';
import { freePort, waitForPort } from './free-port.js';
import { bannerNote, chooseLocalRedis } from './local-redis.js';

/**
 * `npm start`: the dispatcher on embedded defaults, for a first look and for development.
 * Whatever the environment does not provide is started here: PostgreSQL (embedded, data under
 * .data/), the sandbox gateway, and an API key (kept in .data/api-key); without REDIS_URL, the
 * Redis on 127.0.0.1:6379 is used when one answers there. In production run
 * `npm run start:prod`, which reads everything from the environment.
 */
const ROOT = process.cwd();
const DATA_DIR = path.join(ROOT, '.data');
// Entry points as scripts/entry-points.mjs names them.
const SANDBOX_MAIN = path.join(ROOT, 'dist/apps/gateway-sandbox/main.js');
const SEED_MAIN = path.join(ROOT, 'dist/apps/seed/main.js');
const DEMO_MESSAGES = 6;
/** What `npm start` reads besides the service's own variables (AppConfig). */
const LOCAL_CONFIG = new ConfigSchema({ embeddedPgPort: LOCAL_VARIABLES.EMBEDDED_PG_PORT });

const children: ChildProcess[] = [];
let database: EmbeddedDatabase | null = null;
let app: INestApplication | null = null;

async function startLocal(): Promise<void> {
  mkdirSync(DATA_DIR, { recursive: true });
  const env = { ...process.env };
  const notes: string[] = [];

  if (!env.DATABASE_URL) {
    database = await startEmbeddedDatabase(path.join(DATA_DIR, 'postgres'), LOCAL_CONFIG.read(env).embeddedPgPort);
    env.DATABASE_URL = database.url;
    notes.push(bannerNote('PostgreSQL', `embedded, ${database.url} (data in .data/postgres)`));
  }
  if (!env.WEBHOOK_URL) {
    env.WEBHOOK_AUTH_KEY ||= 'sandbox-webhook-key';
    const port = await freePort();
    children.push(spawn(process.execPath, [SANDBOX_MAIN], { env: { ...env, PORT: String(port) }, stdio: 'inherit' }));
    await waitForPort(port);
    env.WEBHOOK_URL = `http://127.0.0.1:${port}/webhook`;
    notes.push(bannerNote('Gateway', `sandbox, ${env.WEBHOOK_URL} (what it received: GET http://127.0.0.1:${port}/__sandbox/received)`));
  }
  const redis = await chooseLocalRedis(env);
  if (redis.redisUrl) env.REDIS_URL = redis.redisUrl;
  if (redis.note) notes.push(redis.note);
  if (!env.API_KEYS) {
    const keyFile = path.join(DATA_DIR, 'api-key');
    if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
    env.API_KEYS = readFileSync(keyFile, 'utf8').trim();
    notes.push(bannerNote('API key', `${env.API_KEYS} (generated, kept in .data/api-key)`));
  }

  const config = AppConfig.fromEnv(env);
  if (database && (await isEmpty(config.databaseUrl))) {
    await runToEnd(spawn(process.execPath, [SEED_MAIN, '--count', String(DEMO_MESSAGES)], { env, stdio: 'inherit' }));
    notes.push(bannerNote('Demo', `${DEMO_MESSAGES} messages seeded; the first ${config.dispatch.batchSize} go out now`));
  }

  app = await createDispatcherApp(config);
  await app.listen(config.port);
  const base = `http://localhost:${config.port}`;
  console.log(
    [
      '',
      'Message dispatcher is running',
      `  ${bannerNote('API', `${base}/api/v1 (header x-ins-auth-key)`)}`,
      `  ${bannerNote('Swagger', `${base}/docs`)}`,
      `  ${bannerNote('Dashboard', `${base}/dashboard`)}`,
      `  ${bannerNote('Health', `${base}/health`)}`,
      ...notes.map((n) => `  ${n}`),
      '',
      `  Try: curl -H 'x-ins-auth-key: ${config.apiKeys[0]}' ${base}/api/v1/messages/sent`,
      '',
    ].join('\n'),
  );
}

function runToEnd(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${child.spawnargs.join(' ')} exited with ${code}`))));
  });
}

async function shutdown(code: number): Promise<void> {
  await app?.close().catch(() => undefined);
  for (const child of children) child.kill('SIGTERM');
  await database?.stop().catch(() => undefined);
  process.exit(code);
}

process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

startLocal().catch(async (error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  await shutdown(1);
});
