/**
 * Fault-injection harness: the built dispatcher (dist/, built once per run by global-setup) as
 * real child processes that a test can SIGKILL or SIGTERM, an in-process sandbox gateway on a
 * random port, and throwaway Redis servers. Every child is tracked so that `cleanUpFaults()`
 * (afterEach / afterAll) kills what is left, and the captured output of every process a test
 * started is printed when that test did not pass.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@test/support/database.js';
import { phones as samplePhones } from '@test/support/samples.js';
import { ThrowawayRedis } from '@test/support/throwaway-redis.js';
import { waitFor } from '@test/support/waits.js';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { createSandboxApp } from '../../../apps/gateway-sandbox/src/create-sandbox.js';
import type { ReceivedRequest, SandboxBehaviour } from '../../../apps/gateway-sandbox/src/sandbox-behaviour.js';
import { SandboxState } from '../../../apps/gateway-sandbox/src/sandbox-state.js';
import { freePort } from '../../../apps/dispatcher/src/local/free-port.js';

export const API_KEY = 'fault-api-key-0123456789';
export const WEBHOOK_KEY = 'fault-webhook-key';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DISPATCHER_MAIN = `${ROOT}dist/apps/dispatcher/main.js`;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HttpAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export { sleep, waitFor } from '@test/support/waits.js';

/** `count` distinct valid phone numbers, apart from the e2e specs' (their databases are apart too; this keeps logs apart). */
export const phones = (count: number): string[] => samplePhones(count, 2_000_000);

/** One HTTP call with a hard deadline; never throws for an HTTP status, only for no answer. */
export async function http<T = any>(
  url: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpAnswer<T>> {
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: body as T, headers: response.headers };
}

// ---------------------------------------------------------------------------------------------
// Registry: everything a test started, so that nothing outlives it.

const started: DispatcherProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
let passed = true;

/** Wraps a test body: if it throws or never finishes, `cleanUpFaults` prints the processes' output. */
export function faultTest(body: () => Promise<void>): () => Promise<void> {
  return async () => {
    passed = false;
    await body();
    passed = true;
  };
}

/** Runs `fn` at clean-up time (after the children are killed), newest first. */
export function onCleanUp(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

/** afterEach/afterAll: kill every child still running, print output if the test failed, run clean-ups. */
export async function cleanUpFaults(): Promise<void> {
  await Promise.all(started.map((p) => p.kill('SIGKILL')));
  if (!passed) {
    for (const p of started) console.log(`----- output of ${p.instanceId} (${p.describeExit()}) -----\n${p.output(150)}`);
  }
  started.length = 0;
  passed = true;
  while (cleanups.length > 0) {
    const fn = cleanups.pop() as () => Promise<void> | void;
    await Promise.resolve()
      .then(fn)
      .catch((error: unknown) => console.log(`clean-up failed: ${String(error)}`));
  }
}

// A crashed jest worker must not leave dispatchers behind either.
process.once('exit', () => {
  for (const p of started) p.child.kill('SIGKILL');
});

// ---------------------------------------------------------------------------------------------
// The sandbox gateway, in process.

export interface Sandbox {
  state: SandboxState;
  webhookUrl: string;
  received(): ReceivedRequest[];
  /** Requests per Idempotency-Key. */
  byKey(): Map<string, ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startSandbox(behaviour: Partial<SandboxBehaviour> = {}): Promise<Sandbox> {
  const app: INestApplication = await createSandboxApp({ authKey: WEBHOOK_KEY, behaviour }, true);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const state = app.get(SandboxState);
  let closed = false;
  const sandbox: Sandbox = {
    state,
    webhookUrl: `${url}/webhook`,
    received: () => state.received.filter((r) => r.answered !== 'unauthorized'),
    byKey: () => {
      const map = new Map<string, ReceivedRequest[]>();
      for (const r of state.received) {
        const key = r.headers['idempotency-key'] ?? '(none)';
        map.set(key, [...(map.get(key) ?? []), r]);
      }
      return map;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      state.releaseHanging();
      await app.close();
    },
  };
  onCleanUp(() => sandbox.close());
  return sandbox;
}

// ---------------------------------------------------------------------------------------------
// The dispatcher as a child process.

export interface DispatcherOptions {
  databaseUrl: string;
  webhookUrl: string;
  instanceId: string;
  /** More environment (DISPATCH_INTERVAL_MS, CLAIM_LEASE_MS, REDIS_URL, ...); undefined removes a default. */
  env?: Record<string, string | undefined>;
  /** How long to wait for /health/live (30 s by default: three replicas booting while other suites load both cores took over 15 s once). */
  bootTimeoutMs?: number;
}

export class DispatcherProcess {
  private readonly lines: string[] = [];
  private exitInfo: ExitInfo | null = null;
  readonly exited: Promise<ExitInfo>;
  readonly url: string;

  private constructor(
    readonly child: ChildProcess,
    readonly instanceId: string,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    const capture = (stream: NodeJS.ReadableStream | null, tag: string) => {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) this.lines.push(`${tag}${line}`);
      });
      stream?.on('end', () => partial && this.lines.push(`${tag}${partial}`));
    };
    capture(child.stdout, '');
    capture(child.stderr, '[stderr] ');
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** Spawns `node dist/.../main.js` and resolves once /health/live answers 200. */
  static async start(options: DispatcherOptions): Promise<DispatcherProcess> {
    if (process.env.FAULT_BUILD_ERROR) throw new Error(`the dispatcher build in test/support/global-setup.mjs failed: ${process.env.FAULT_BUILD_ERROR}`);
    if (!existsSync(DISPATCHER_MAIN)) throw new Error(`${DISPATCHER_MAIN} is missing: is test/support/global-setup.mjs building the dispatcher?`);
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      const env: Record<string, string> = { PATH: process.env.PATH ?? '', NO_COLOR: '1', NODE_ENV: 'production' };
      const merged: Record<string, string | undefined> = {
        PORT: String(port),
        DATABASE_URL: options.databaseUrl,
        WEBHOOK_URL: options.webhookUrl,
        WEBHOOK_AUTH_KEY: WEBHOOK_KEY,
        API_KEYS: API_KEY,
        INSTANCE_ID: options.instanceId,
        RETRY_BASE_MS: '50',
        RETRY_MAX_MS: '200',
        ...options.env,
      };
      for (const [k, v] of Object.entries(merged)) if (v !== undefined) env[k] = v;
      const child = spawn(process.execPath, [DISPATCHER_MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const proc = new DispatcherProcess(child, options.instanceId, port);
      started.push(proc);
      try {
        await proc.waitLive(options.bootTimeoutMs ?? 30_000);
        return proc;
      } catch (error) {
        await proc.kill('SIGKILL');
        if (attempt < 3 && proc.output().includes('EADDRINUSE')) continue;
        throw new Error(`${options.instanceId} did not become live: ${(error as Error).message}\n${proc.output(80)}`, { cause: error });
      }
    }
  }

  get isRunning(): boolean {
    return this.exitInfo === null;
  }

  describeExit(): string {
    if (!this.exitInfo) return 'running';
    return this.exitInfo.signal ? `killed by ${this.exitInfo.signal}` : `exit code ${this.exitInfo.code}`;
  }

  /** The last `tail` lines of stdout and stderr (all when omitted). */
  output(tail?: number): string {
    return (tail ? this.lines.slice(-tail) : this.lines).join('\n');
  }

  async waitLive(timeoutMs: number): Promise<void> {
    await waitFor(
      `${this.instanceId} /health/live`,
      async () => {
        if (!this.isRunning) throw new Error(`process ended (${this.describeExit()})`);
        try {
          return (await http(`${this.url}/health/live`, { timeoutMs: 1_000 })).status === 200;
        } catch {
          return false;
        }
      },
      timeoutMs,
      50,
    );
  }

  /** A call to the dispatcher's API, with the API key. */
  api<T = any>(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
    return http<T>(`${this.url}${path}`, { method, body, headers: { 'x-ins-auth-key': API_KEY, ...headers } });
  }

  async status(): Promise<{
    isLeader: boolean;
    leaderId: string | null;
    instanceId: string;
    running: boolean;
    draining: boolean;
    totals: Record<string, number>;
  }> {
    const answer = await this.api('GET', '/api/v1/scheduler/status');
    if (answer.status !== 200) throw new Error(`${this.instanceId} status answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /**
   * GET /health/ready on a fresh connection closed after the answer: a kept-alive probe
   * connection would hold the server's close (and so a graceful exit) for its idle timeout.
   */
  ready(timeoutMs = 3_000): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const req = request(`${this.url}/health/ready`, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer from /health/ready within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  }

  /** Sends `signal` (once) and resolves when the process has exited; SIGKILL after `timeoutMs`. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 20_000): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// A throwaway Redis server (never the machine's shared one), stopped when the test ends.

export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const redis = await ThrowawayRedis.start();
  onCleanUp(() => redis.stop());
  return redis;
}

/**
 * The hooks every fault spec needs: a fresh database for the file, and no child process or
 * throwaway server outliving a test. Returns a getter for the database (set in beforeAll).
 */
export function useFaultDatabase(): () => TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(cleanUpFaults);
  afterAll(async () => {
    await cleanUpFaults();
    await db?.close();
  });
  return () => {
    if (!db) throw new Error('the fault database is not ready yet');
    return db;
  };
}
