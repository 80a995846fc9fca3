import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { Leadership } from '@app/domain';

/** The advisory lock the leader holds: (namespace, lock) as two int4 keys, easy to find in pg_locks. */
const LOCK_NAMESPACE = 7301;
const LEADER_LOCK = 1955;
const APP_NAME_PREFIX = 'dispatcher-leader:';

/**
 * Leadership through a session advisory lock held on a dedicated connection (not the pool):
 * PostgreSQL releases it by itself when that connection ends, so a leader that dies, or loses
 * its database connection, stops leading at once and another replica takes over at its next
 * step. Needs a direct connection, not a transaction-pooling proxy. The leader's id is read from
 * the lock holder's application_name.
 */
export class PgAdvisoryLeadership extends Leadership implements OnApplicationShutdown {
  private readonly logger = new Logger(PgAdvisoryLeadership.name);
  private client: pg.Client | null = null;
  /** The connection being opened, shared so that concurrent callers never open two. */
  private connecting: Promise<pg.Client> | null = null;
  private leading = false;
  /** Released for good (shutdown): never connects again. */
  private closed = false;

  constructor(
    private readonly databaseUrl: string,
    readonly instanceId: string,
  ) {
    super();
  }

  get isLeader(): boolean {
    return this.leading;
  }

  async acquire(): Promise<boolean> {
    if (this.closed) return false;
    try {
      const client = await this.connection();
      if (this.leading) {
        const held = await client.query(
          `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 AND pid = pg_backend_pid() AND granted`,
          [LOCK_NAMESPACE, LEADER_LOCK],
        );
        this.leading = held.rowCount === 1;
        if (this.leading) return true;
      }
      const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [LOCK_NAMESPACE, LEADER_LOCK]);
      this.leading = result.rows[0].locked;
      // Released while this acquire was under way (shutdown): give the lock straight back.
      if (this.closed) await this.dropConnection();
    } catch (error) {
      this.logger.warn(`leadership check failed, not leading until the database answers: ${(error as Error).message}`);
      await this.dropConnection();
    }
    return this.leading;
  }

  async leaderId(): Promise<string | null> {
    if (this.closed) return null;
    const client = await this.connection();
    const result = await client.query<{ name: string }>(
      `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND l.granted
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [LOCK_NAMESPACE, LEADER_LOCK],
    );
    const name = result.rows[0]?.name;
    return name?.startsWith(APP_NAME_PREFIX) ? name.slice(APP_NAME_PREFIX.length) : (name ?? null);
  }

  async release(): Promise<void> {
    this.closed = true;
    this.leading = false;
    await this.dropConnection();
  }

  /** The scheduler releases leadership after its drain; this only makes sure the connection ends. */
  async onApplicationShutdown(): Promise<void> {
    await this.release();
  }

  private connection(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: `${APP_NAME_PREFIX}${this.instanceId}`.slice(0, 63),
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
    // A broken connection means the lock is gone (PostgreSQL released it): stop leading.
    client.on('error', (error) => {
      this.logger.warn(`leadership connection lost: ${error.message}`);
      this.leading = false;
      if (this.client === client) this.client = null;
    });
    client.on('end', () => {
      this.leading = false;
      if (this.client === client) this.client = null;
    });
    await client.connect();
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw new Error('leadership released');
    }
    this.client = client;
    return client;
  }

  private async dropConnection(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.leading = false;
    await client?.end().catch(() => undefined);
  }
}
