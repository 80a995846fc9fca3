/**
 * The setup of the tiers that need PostgreSQL and Redis (integration, e2e, fault). One id per
 * test run (the first tier to start sets it): every test file that needs PostgreSQL creates its
 * own database named after it (test/support/database.ts); global-teardown drops them all. Checks
 * up front that the servers are reachable, so a stopped server fails the run with a clear message.
 */
import pg from 'pg';
import net from 'node:net';

export default async function globalSetup() {
  process.env.TEST_RUN_ID ||= `dispatcher_test_${Date.now().toString(36)}_${process.pid}`;
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
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) =>
      reject(new Error(`Redis at TEST_REDIS_URL (${process.env.TEST_REDIS_URL}) is not reachable: ${error.message}`, { cause: error })),
    );
  });
}
