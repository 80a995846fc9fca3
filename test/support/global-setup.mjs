/**
 * One id per test run. Every test file that needs PostgreSQL creates its own database named
 * after it (test/support/database.ts); global-teardown drops them all. Checks up front that the
 * servers are reachable, so a stopped server fails the run with a clear message.
 */
import pg from 'pg';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default async function globalSetup() {
  process.env.TEST_RUN_ID = `dispatcher_test_${Date.now().toString(36)}_${process.pid}`;
  process.env.TEST_DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
  process.env.TEST_REDIS_URL ||= 'redis://127.0.0.1:6379';

  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL at TEST_DATABASE_URL (${process.env.TEST_DATABASE_URL}) is not reachable: ${error.message}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }

  const redis = new URL(process.env.TEST_REDIS_URL);
  await new Promise((resolve, reject) => {
    const socket = net.connect(Number(redis.port || 6379), redis.hostname);
    socket.setTimeout(3_000, () => socket.destroy(new Error('timeout')));
    socket.once('connect', () => { socket.destroy(); resolve(); });
    socket.once('error', (error) => reject(new Error(`Redis at TEST_REDIS_URL (${process.env.TEST_REDIS_URL}) is not reachable: ${error.message}`, { cause: error })));
  });

  buildDispatcher();
}

/**
 * The fault tests (test/fault) run the built dispatcher as child processes they can kill:
 * build it once per run (about 6 s). A failed build does not fail the other suites; the fault
 * harness reports it (FAULT_BUILD_ERROR) when it cannot find the entry point.
 */
function buildDispatcher() {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const build = spawnSync(process.execPath, ['node_modules/@nestjs/cli/bin/nest.js', 'build', 'dispatcher'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (build.status !== 0) {
    process.env.FAULT_BUILD_ERROR = `nest build dispatcher failed (${build.error?.message ?? `exit ${build.status}`}): ${(build.stdout + build.stderr).slice(-2_000)}`;
    console.error(process.env.FAULT_BUILD_ERROR);
  }
}
