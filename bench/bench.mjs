/**
 * `npm run bench`: the project's own benchmark. Prints figures (and whether each meets its
 * target), it is not a test: each figure is a ratio of two things measured in the same run on
 * the same machine, so the figures compare across machines where raw numbers would not.
 *
 *   dispatch  messages/s the dispatcher sends (DISPATCH_CONCURRENCY=64, then 1) over the
 *             requests/s a bare keep-alive node:http client gets from the same sandbox gateway
 *   bulk      messages/s created through POST /api/v1/messages/batch (dispatcher stopped)
 *   memory    the dispatcher's peak RSS while sending from a 1,000,000-row backlog over its
 *             idle RSS
 *   dashboard GET /dashboard (the overview) and GET /dashboard/fragments/live, signed in, with
 *             1,000,000 messages across states: median and p95 in ms (target: overview < 300 ms)
 *
 * Runs the built apps (dist/: `npm run build` first; `npm run bench` does it) as child
 * processes against the machine's PostgreSQL (a throwaway database bench_<random>, dropped at the
 * end) and Redis (only this run's sent_message:<id> keys are deleted, never FLUSHALL).
 *
 * Options: --quick (small sizes, a smoke run), --only=dispatch|bulk|memory|dashboard (comma-separated).
 * Env: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres, an account that may
 * CREATE DATABASE), BENCH_REDIS_URL (default redis://127.0.0.1:6379), BENCH_DISPATCHER_NODE_ARGS
 * (extra node flags for the dispatcher only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see
 * where its time goes; the figures of such a run are not the real ones).
 * Hold the machine's CPU lock while it runs: `flock /tmp/cpu.lock npm run bench`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';

const ROOT = path.resolve(import.meta.dirname, '..');
const DISPATCHER_MAIN = path.join(ROOT, 'dist/apps/dispatcher/main.js');
const SANDBOX_MAIN = path.join(ROOT, 'dist/apps/gateway-sandbox/main.js');
const CEILING_CLIENT = path.join(import.meta.dirname, 'http-ceiling.mjs');
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DISPATCHER_NODE_ARGS = (process.env.BENCH_DISPATCHER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const PHASES = ['dispatch', 'bulk', 'memory', 'dashboard'];

const TARGETS = { dispatchRatio: 0.45, bulkPerSecond: 10_000, memoryRatio: 1.5, dashboardOverviewMs: 300 };
const REFERENCES = 'graphile-worker 0.26, pg-boss 0.16';

// ---------------------------------------------------------------------------------------------
// Options and sizes

const options = parseOptions(process.argv.slice(2));
const SIZES = options.quick
  ? {
      ceilingRequests: 5_000,
      ceilingWarmup: 2_000,
      ceilingRounds: 1,
      concurrency: 64,
      dispatchMessages: 3_000,
      dispatchWarmup: 500,
      serialMessages: 300,
      serialWarmup: 50,
      serialTimeLimitMs: 15_000,
      bulkMessages: 5_000,
      bulkBatch: 1_000,
      bulkClients: 3,
      bulkWarmupBatches: 1,
      memoryRows: 100_000,
      memorySampleMs: 5_000,
      memoryMinSent: 2_000,
      memoryMaxMs: 15_000,
      idleSampleMs: 1_000,
      sampleEveryMs: 100,
      dashboardRows: 100_000,
      dashboardWarmup: 3,
      dashboardRequests: 20,
    }
  : {
      ceilingRequests: 20_000,
      ceilingWarmup: 2_000,
      ceilingRounds: 3,
      concurrency: 64,
      dispatchMessages: 20_000,
      dispatchWarmup: 2_000,
      serialMessages: 2_000,
      serialWarmup: 200,
      serialTimeLimitMs: 60_000,
      bulkMessages: 50_000,
      bulkBatch: 1_000,
      bulkClients: 3,
      bulkWarmupBatches: 3,
      memoryRows: 1_000_000,
      memorySampleMs: 18_000,
      memoryMinSent: 25_000,
      memoryMaxMs: 60_000,
      idleSampleMs: 2_000,
      sampleEveryMs: 100,
      dashboardRows: 1_000_000,
      dashboardWarmup: 5,
      dashboardRequests: 20,
    };
const POLL_EVERY_MS = 50;

function parseOptions(argv) {
  const result = { quick: false, only: new Set(PHASES) };
  for (const arg of argv) {
    if (arg === '--quick') result.quick = true;
    else if (arg.startsWith('--only=')) {
      const names = arg.slice('--only='.length).split(',').filter(Boolean);
      const unknown = names.filter((n) => !PHASES.includes(n));
      if (names.length === 0 || unknown.length > 0) usage(`--only takes ${PHASES.join(', ')} (comma-separated)`);
      result.only = new Set(names);
    } else if (arg === '--help' || arg === '-h') usage();
    else usage(`unknown option ${arg}`);
  }
  return result;
}

function usage(problem) {
  if (problem) console.error(problem);
  console.error(`usage: node bench/bench.mjs [--quick] [--only=${PHASES.join('|')}]`);
  process.exit(problem ? 2 : 0);
}

// ---------------------------------------------------------------------------------------------
// Output

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');
const mb = (kb) => `${fmt(kb / 1024, 1)} MB`;
const say = (text = '') => console.log(text);
const heading = (text) => say(`\n== ${text}`);

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const [index, row] of rows.entries()) {
    say(
      row
        .map((cell, i) => String(cell).padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
    if (index === 0) say(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes, and their cleanup on every way out

const children = new Set();
let workDir = '';
let failed = false;

function childEnv(extra) {
  // A clean environment: nothing from the caller's shell (DATABASE_URL, ALERT_WEBHOOK_URL...)
  // leaks into the measured configuration.
  const base = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TZ']) if (process.env[name] !== undefined) base[name] = process.env[name];
  return { ...base, ...extra };
}

function startProcess(name, script, env, nodeArgs = []) {
  const log = createWriteStream(path.join(workDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [...nodeArgs, script], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.benchName = name;
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

async function stopProcess(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const stopped = await Promise.race([child.exited, sleep(graceMs, 'timeout')]);
  if (stopped === 'timeout') {
    child.kill('SIGKILL');
    await child.exited;
  }
}

function tailOf(name, lines = 15) {
  try {
    return readFileSync(path.join(workDir, `${name}.log`), 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP (keep-alive; the bench's own requests are few, except for the bulk clients)

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function request(method, url, { headers = {}, body } = {}) {
  const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: { ...headers, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${url}: no answer in 120 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function waitFor(what, check, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${child.benchName} exited while waiting for ${what}:\n${tailOf(child.benchName)}`);
    }
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${child ? `:\n${tailOf(child.benchName)}` : ''}`);
}

// ---------------------------------------------------------------------------------------------
// /proc readings: RSS, and CPU time per process and for the whole machine

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function rssKb(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far, or null if it is gone. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
function machineCpu() {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return { busy: busy / CLK_TCK, total: (busy + idle + iowait) / CLK_TCK, interrupts: (irq + softirq) / CLK_TCK };
}

/**
 * PostgreSQL's processes, from /proc: the backends of this run's database (their command line
 * names it: "postgres: 15/main: postgres bench_x 127.0.0.1(…) idle") and the server's own
 * background processes (WAL writer, checkpointer...: working mostly for us while we write).
 * Backends of other databases are someone else's work, left to "other".
 */
function postgresProcesses() {
  const ours = new Map();
  const background = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue;
    }
    const match = /^postgres: [^:]+: (.*)$/.exec(cmdline);
    if (!match) continue;
    const pid = Number(entry);
    if (match[1].split(' ').includes(dbName)) ours.set(pid, cpuSeconds(pid));
    else if (!/^\S+ \S+ (\[local\]|\S+\(\d+\))/.test(match[1]) && !match[1].startsWith('autovacuum worker')) background.set(pid, cpuSeconds(pid));
  }
  return { ours, background };
}

/** Above this many cores of "other" during a measurement, its figure is marked as disturbed. */
const DISTURBED_CORES = 0.25;

/**
 * A CPU meter over one measurement: the dispatcher, the sandbox, PostgreSQL (this database's
 * backends; the server's background processes), the bench itself and, by difference, everything
 * else on the machine: a large "other" means someone else's work disturbed the run.
 */
function cpuMeter(processes) {
  const read = () => ({
    at: performance.now(),
    machine: machineCpu(),
    bench: process.cpuUsage(),
    processes: Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuSeconds(pid)])),
    postgres: postgresProcesses(),
  });
  const grown = (after, before) => {
    let seconds = 0;
    for (const [pid, now] of after) if (now !== null) seconds += now - (before.get(pid) ?? 0);
    return seconds;
  };
  const before = read();
  return {
    /** `extra`: CPU seconds of processes measured otherwise (one that has exited). */
    stop(extra = {}) {
      const after = read();
      const wall = (after.at - before.at) / 1000;
      const used = { ...extra };
      for (const name of Object.keys(processes)) used[name] = (after.processes[name] ?? 0) - (before.processes[name] ?? 0);
      used['postgres (this db)'] = grown(after.postgres.ours, before.postgres.ours);
      used['postgres background'] = grown(after.postgres.background, before.postgres.background);
      const bench = process.cpuUsage(before.bench);
      used['bench script'] = (bench.user + bench.system) / 1e6;
      const machineBusy = after.machine.busy - before.machine.busy;
      // Loopback TCP is partly processed in softirq context, which the kernel bills to no process.
      used['kernel irq'] = after.machine.interrupts - before.machine.interrupts;
      const ours = Object.values(used).reduce((a, b) => a + b, 0);
      used.other = Math.max(0, machineBusy - ours);
      const cores = Object.fromEntries(Object.entries(used).map(([name, seconds]) => [name, seconds / wall]));
      return {
        wall,
        cores,
        machineCores: machineBusy / wall,
        capacity: (after.machine.total - before.machine.total) / wall,
        disturbed: cores.other > DISTURBED_CORES,
      };
    },
  };
}

function cpuLine(split) {
  const parts = Object.entries(split.cores).map(([name, cores]) => `${name} ${fmt(cores, 2)}`);
  const warning = split.disturbed ? `\n  DISTURBED: other work on the machine used ${fmt(split.cores.other, 2)} cores during this measurement; run again` : '';
  return `CPU (cores busy, of ${fmt(split.capacity, 1)}): ${parts.join(', ')}; machine ${fmt(split.machineCores, 2)}${warning}`;
}

// ---------------------------------------------------------------------------------------------
// Database and Redis of this run

const runId = randomBytes(4).toString('hex');
const dbName = `bench_${runId}`;
const dbUrl = (() => {
  const url = new URL(PG_URL);
  url.pathname = `/${dbName}`;
  return url.toString();
})();
let dbCreated = false;
let db = null;

async function withAdmin(fn) {
  const admin = new pg.Client({ connectionString: PG_URL, application_name: 'bench-admin' });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

let countsSql = null;

async function statusCounts() {
  // The counts the messages triggers keep (migration MessageStatusCounts): a handful of delta
  // rows, so the poll costs next to nothing however large the table is. Should that table go,
  // a count over messages (a real cost on PostgreSQL's side: said once).
  if (countsSql === null) {
    const { rows } = await db.query(`SELECT to_regclass('message_status_counts') IS NOT NULL AS ok`);
    if (!rows[0].ok) say('(no message_status_counts table: polling with count(*) over messages, which costs PostgreSQL CPU)');
    countsSql = rows[0].ok
      ? `SELECT status, sum(delta)::bigint AS n FROM message_status_counts GROUP BY status`
      : `SELECT status, count(*) AS n FROM messages GROUP BY status`;
  }
  const { rows } = await db.query(countsSql);
  const counts = { pending: 0, sending: 0, sent: 0, failed: 0, unknown: 0, expired: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/** Inserts `count` pending rows by SQL, at most 250,000 per statement; returns the seconds it took. */
async function insertPending(count) {
  const started = performance.now();
  for (let from = 1; from <= count; from += 250_000) {
    const to = Math.min(count, from + 249_999);
    await db.query(
      `INSERT INTO messages (phone_number, content)
       SELECT '+90555' || lpad((g % 10000000)::text, 7, '0'), 'Bench message ' || g
         FROM generate_series($1::int, $2::int) AS g`,
      [from, to],
    );
  }
  // Fresh statistics, as autovacuum would give a table that filled up over time.
  await db.query('ANALYZE messages');
  return (performance.now() - started) / 1000;
}

let redis = null;
let receiptsDeleted = 0;

/** A Redis client that fails instead of reconnecting forever (which would keep the bench alive). */
async function connectRedis() {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: 3_000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`Redis at ${REDIS_URL} is not reachable: ${error.message}`, { cause: error });
  }
  return client;
}

/** Deletes the sent_message:<id> keys of this database's sent rows (only those: Redis is shared). */
async function forgetReceipts() {
  if (!db) return;
  const exists = await db.query(`SELECT to_regclass('messages') IS NOT NULL AS ok`);
  if (!exists.rows[0].ok) return;
  const { rows } = await db.query(`SELECT id FROM messages WHERE status = 'sent'`);
  if (rows.length === 0) return;
  redis ??= await connectRedis();
  for (let i = 0; i < rows.length; i += 1_000) {
    await redis.unlink(...rows.slice(i, i + 1_000).map((r) => `sent_message:${r.id}`));
  }
  receiptsDeleted += rows.length;
}

/** Empties the tables between measurements (after forgetting the receipts of the sent rows). */
async function resetMessages() {
  await forgetReceipts();
  // CASCADE: every table that references messages (attempts, replays, and whatever comes next).
  await db.query('TRUNCATE messages CASCADE');
}

// ---------------------------------------------------------------------------------------------
// The services under test

const webhookKey = `bench-gateway-${randomBytes(8).toString('hex')}`;
const apiKey = `bench-api-key-${randomBytes(8).toString('hex')}`;
let sandbox = null;

const dispatcherSettings = (concurrency) => ({
  REDIS_URL,
  CACHE_TTL_SECONDS: '300',
  DISPATCH_INTERVAL_MS: '50',
  DISPATCH_BATCH_SIZE: '1000',
  DISPATCH_CONCURRENCY: String(concurrency),
  DISPATCH_AUTOSTART: 'false',
  LOG_LEVEL: 'warn',
});

async function startSandbox() {
  const port = await freePort();
  const child = startProcess('sandbox', SANDBOX_MAIN, { PORT: String(port), WEBHOOK_AUTH_KEY: webhookKey });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the sandbox gateway', async () => (await request('GET', `${url}/__sandbox/behaviour`)).status === 200, 30_000, child);
  sandbox = { child, pid: child.pid, url, webhook: `${url}/webhook` };
  return sandbox;
}

async function clearSandbox() {
  const answer = await request('DELETE', `${sandbox.url}/__sandbox/received`);
  if (answer.status !== 204) throw new Error(`sandbox: DELETE /__sandbox/received answered ${answer.status}`);
}

let dispatcherCount = 0;

async function startDispatcher(concurrency) {
  // A decision left by an earlier process ("running") would make this one send at boot.
  if (db && (await db.query(`SELECT to_regclass('dispatcher_state') IS NOT NULL AS ok`)).rows[0].ok) {
    await db.query(`UPDATE dispatcher_state SET desired = 'stopped'`);
  }
  const port = await freePort();
  const name = `dispatcher-${++dispatcherCount}-c${concurrency}`;
  const env = {
    PORT: String(port),
    DATABASE_URL: dbUrl,
    WEBHOOK_URL: sandbox.webhook,
    WEBHOOK_AUTH_KEY: webhookKey,
    API_KEYS: apiKey,
    ...dispatcherSettings(concurrency),
  };
  const child = startProcess(name, DISPATCHER_MAIN, env, DISPATCHER_NODE_ARGS);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${name} /health/ready`, async () => (await request('GET', `${url}/health/ready`)).status === 200, 60_000, child);
  const dispatcher = { child, pid: child.pid, url, name };
  await api(dispatcher, 'POST', '/api/v1/scheduler/stop');
  return dispatcher;
}

async function stopDispatcher(dispatcher) {
  try {
    await api(dispatcher, 'POST', '/api/v1/scheduler/stop');
  } catch {
    // stopping the process settles it anyway
  }
  await stopProcess(dispatcher.child);
}

async function api(dispatcher, method, route, body) {
  const answer = await request(method, `${dispatcher.url}${route}`, { headers: { 'x-ins-auth-key': apiKey }, body });
  if (answer.status >= 300) throw new Error(`${method} ${route} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  return answer.text ? JSON.parse(answer.text) : null;
}

async function connectDb() {
  const client = new pg.Client({ connectionString: dbUrl, application_name: 'bench' });
  await client.connect();
  return client;
}

// ---------------------------------------------------------------------------------------------
// 1. Dispatch throughput against the ceiling

/** One run of the ceiling client: its own process, its own warm-up. */
async function ceilingRound() {
  await clearSandbox();
  const child = startProcess('ceiling-client', CEILING_CLIENT, {
    CEILING_URL: sandbox.webhook,
    CEILING_AUTH_KEY: webhookKey,
    CEILING_REQUESTS: String(SIZES.ceilingRequests),
    CEILING_WARMUP: String(SIZES.ceilingWarmup),
    CEILING_CONCURRENCY: String(SIZES.concurrency),
  });
  // Its stdout goes to the log file as well; the two lines it writes are read here too.
  let out = '';
  const warm = new Promise((resolve) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('WARM\n')) resolve('warm');
    });
  });
  const meter = (await Promise.race([warm, child.exited])) === 'warm' ? cpuMeter({ sandbox: sandbox.pid }) : null;
  const exit = await child.exited;
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (exit.code !== 0 || !line) throw new Error(`ceiling client failed (${JSON.stringify(exit)}):\n${tailOf('ceiling-client')}`);
  const result = JSON.parse(line);
  // The client is gone by now: it reports its own CPU time.
  const cpu = meter ? meter.stop({ 'ceiling client': result.clientCpuMs / 1000 }) : null;
  return { ...result, cpu };
}

/** The median of a few rounds: one round is only a few seconds, and varies by ~10% here. */
/**
 * Sends `count` pending rows with a started dispatcher: the clock runs from the POST
 * /scheduler/start to the poll that sees all of them sent (or the time limit).
 */
async function measureDispatch(dispatcher, count, { timeLimitMs = 10 * 60_000, measureCpu = true } = {}) {
  await resetMessages();
  await clearSandbox();
  await insertPending(count);
  const meter = measureCpu ? cpuMeter({ dispatcher: dispatcher.pid, sandbox: sandbox.pid }) : null;
  const started = performance.now();
  await api(dispatcher, 'POST', '/api/v1/scheduler/start');
  let counts;
  let elapsedMs;
  let timedOut = false;
  for (;;) {
    counts = await statusCounts();
    elapsedMs = performance.now() - started;
    const settled = counts.sent + counts.failed + counts.unknown + counts.expired;
    if (settled >= count) break;
    if (elapsedMs > timeLimitMs) {
      timedOut = true;
      break;
    }
    if (dispatcher.child.exitCode !== null) throw new Error(`${dispatcher.name} died:\n${tailOf(dispatcher.name)}`);
    await sleep(POLL_EVERY_MS);
  }
  const cpu = meter ? meter.stop() : null;
  await api(dispatcher, 'POST', '/api/v1/scheduler/stop');
  return { count, counts, elapsedMs, timedOut, perSecond: (counts.sent * 1000) / elapsedMs, cpu };
}

async function dispatchPhase(results) {
  heading('1. Dispatch throughput vs the ceiling');
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

  // The machine's speed drifts over a run (shared cores): ceiling and dispatch rounds alternate,
  // so that both medians are taken over the same stretch of time.
  const dispatcher = await startDispatcher(64);
  const ceilings = [];
  const runs = [];
  try {
    // Warm-up (not counted): the ceiling runs on a warm sandbox, so the dispatcher runs warm too.
    await measureDispatch(dispatcher, SIZES.dispatchWarmup, { measureCpu: false });
    for (let round = 0; round < SIZES.ceilingRounds; round += 1) {
      ceilings.push(await ceilingRound());
      runs.push(await measureDispatch(dispatcher, SIZES.dispatchMessages));
    }
  } finally {
    await stopDispatcher(dispatcher);
  }
  const ceiling = ceilings.find((c) => c.perSecond === median(ceilings.map((c) => c.perSecond)));
  results.ceiling = { ...ceiling, rounds: ceilings.map((c) => c.perSecond) };
  say(
    `ceiling: bare node:http keep-alive client (own process), ${fmt(ceiling.requests)} POST /webhook at concurrency ${ceiling.concurrency}` +
      ` after ${fmt(SIZES.ceilingWarmup)} warm-up: ${fmt(ceiling.perSecond)} req/s` +
      ` (median of ${ceilings.length} rounds: ${ceilings.map((c) => fmt(c.perSecond)).join(', ')})` +
      `${ceilings.some((c) => c.not202) ? '; some answers not 202!' : ''}`,
  );
  if (ceiling.cpu) say(`  ${cpuLine(ceiling.cpu)}`);
  const run = runs.find((r) => r.perSecond === median(runs.map((r) => r.perSecond)));
  run.ratio = run.perSecond / ceiling.perSecond;
  run.concurrency = 64;
  results.dispatch = run;
  const problems = ['failed', 'unknown', 'expired']
    .filter((s) => runs.some((r) => r.counts[s] > 0))
    .map((s) => `${runs.reduce((n, r) => n + r.counts[s], 0)} ${s}`);
  say(
    `dispatcher, DISPATCH_CONCURRENCY=64: ${fmt(SIZES.dispatchMessages)} rows per round, each round's ceiling measured just before it, ` +
      `after a ${fmt(SIZES.dispatchWarmup)}-message warm-up: ` +
      `${runs.map((r, i) => `${fmt(r.perSecond)} msgs/s (${fmt(r.perSecond / ceilings[i].perSecond, 2)})`).join(', ')}; median ${fmt(run.perSecond)} msgs/s` +
      ` = ${fmt(run.ratio, 2)} of the median ceiling (target >= ${TARGETS.dispatchRatio}; ${REFERENCES})` +
      `${problems.length ? `; NOT SENT: ${problems.join(', ')}` : ''}`,
  );
  if (run.cpu) say(`  ${cpuLine(run.cpu)}`);

  const serial = await startDispatcher(1);
  try {
    await measureDispatch(serial, SIZES.serialWarmup, { measureCpu: false });
    const one = await measureDispatch(serial, SIZES.serialMessages, { timeLimitMs: SIZES.serialTimeLimitMs });
    one.ratio = one.perSecond / ceiling.perSecond;
    one.concurrency = 1;
    results.serial = one;
    say(
      `dispatcher, DISPATCH_CONCURRENCY=1: ${fmt(one.counts.sent)} of ${fmt(SIZES.serialMessages)} rows sent in ${fmt(one.elapsedMs / 1000, 2)} s` +
        `${one.timedOut ? ` (stopped at the ${SIZES.serialTimeLimitMs / 1000} s limit)` : ''}` +
        ` after a ${fmt(SIZES.serialWarmup)}-message warm-up: ${fmt(one.perSecond)} msgs/s = ${fmt(one.ratio, 2)} of the ceiling`,
    );
    if (one.cpu) say(`  ${cpuLine(one.cpu)}`);
  } finally {
    await stopDispatcher(serial);
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Bulk create through the API

function batchBody(first, size) {
  const messages = [];
  for (let i = first; i < first + size; i += 1) {
    messages.push({ phoneNumber: `+90555${String(i % 10_000_000).padStart(7, '0')}`, content: `Bench message ${i}` });
  }
  return JSON.stringify({ messages });
}

async function bulkPhase(results) {
  heading('2. Bulk create through the API (POST /api/v1/messages/batch)');
  const dispatcher = await startDispatcher(64);
  try {
    await api(dispatcher, 'POST', '/api/v1/scheduler/stop');
    await resetMessages();
    const post = (body) => request('POST', `${dispatcher.url}/api/v1/messages/batch`, { headers: { 'x-ins-auth-key': apiKey }, body });
    const probe = await post(batchBody(0, 1));
    if (probe.status === 404) {
      say('bulk create: route not available');
      results.bulk = { available: false };
      return;
    }
    if (probe.status !== 201) {
      say(`bulk create: the route answered ${probe.status} to a 1-message batch: ${probe.text.slice(0, 300)}`);
      results.bulk = { available: false, status: probe.status };
      return;
    }
    const { bulkMessages: total, bulkBatch: size, bulkClients: clients, bulkWarmupBatches: warmups } = SIZES;
    // Bodies are built before the clock starts; the requests carry ~60 bytes per message.
    const bodies = Array.from({ length: Math.ceil(total / size) }, (_, b) => batchBody(1_000 + b * size, Math.min(size, total - b * size)));
    for (let w = 0; w < warmups; w += 1) {
      const answer = await post(batchBody(10_000_000 - (w + 1) * size, size));
      if (answer.status !== 201) throw new Error(`bulk warm-up batch answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    }
    const before = await statusCounts();
    const meter = cpuMeter({ dispatcher: dispatcher.pid });
    const errors = new Map();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < bodies.length) {
          const answer = await post(bodies[next++]);
          if (answer.status !== 201) errors.set(answer.status, answer.text.slice(0, 200));
        }
      }),
    );
    const elapsedMs = performance.now() - started;
    const cpu = meter.stop();
    const created = (await statusCounts()).pending - before.pending;
    const perSecond = (created * 1000) / elapsedMs;
    results.bulk = { available: true, total, created, elapsedMs, perSecond, cpu, bodyBytes: bodies[0].length };
    say(
      `${fmt(created)} of ${fmt(total)} messages created in ${bodies.length} batches of ${fmt(size)} (${fmt(bodies[0].length / 1024, 1)} KB each)` +
        ` by ${clients} concurrent clients, after ${warmups} warm-up batch(es): ${fmt(elapsedMs / 1000, 2)} s, ${fmt(perSecond)} msgs/s` +
        ` (target >= ${fmt(TARGETS.bulkPerSecond)} msgs/s)`,
    );
    for (const [status, text] of errors) say(`  some batches answered ${status}: ${text}`);
    say(`  ${cpuLine(cpu)}`);
  } finally {
    await stopDispatcher(dispatcher);
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Memory with a 1,000,000-row backlog

/** RSS of `pid` every `everyMs` until `done(elapsedMs)` says so. */
async function sampleRss(pid, everyMs, done, onSample) {
  const samples = [];
  const started = performance.now();
  while (!(await done(performance.now() - started))) {
    const kb = rssKb(pid);
    if (kb === null) throw new Error(`process ${pid} is gone`);
    samples.push(kb);
    onSample?.();
    await sleep(everyMs);
  }
  return samples;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function memoryPhase(results) {
  heading(`3. Dispatcher memory with ${fmt(SIZES.memoryRows)} pending rows`);
  const dispatcher = await startDispatcher(64);
  try {
    // Warm-up: one small dispatch run, so "idle" means a dispatcher that has worked, not a fresh one.
    await measureDispatch(dispatcher, SIZES.dispatchWarmup, { measureCpu: false });
    await resetMessages();
    await clearSandbox();
    const insertSeconds = await insertPending(SIZES.memoryRows);
    say(`inserted ${fmt(SIZES.memoryRows)} pending rows by SQL in ${fmt(insertSeconds, 1)} s (dispatcher stopped, not measured)`);
    await sleep(1_000);
    const idleSamples = await sampleRss(dispatcher.pid, SIZES.sampleEveryMs, async (ms) => ms >= SIZES.idleSampleMs);
    const idle = median(idleSamples);

    let sandboxPeak = 0;
    const sandboxBefore = rssKb(sandbox.pid);
    const meter = cpuMeter({ dispatcher: dispatcher.pid, sandbox: sandbox.pid });
    const started = performance.now();
    await api(dispatcher, 'POST', '/api/v1/scheduler/start');
    // V8 lets the heap grow between major collections (a cycle took ~30 s at ~470 msgs/s here):
    // a fixed short window can end before the peak. So the window also covers a fixed amount of
    // work (memoryMinSent messages), within a time cap; the sent count is read once a second.
    let sentSoFar = 0;
    let lastCount = 0;
    const enough = async (ms) => {
      if (ms >= SIZES.memoryMaxMs) return true;
      if (ms - lastCount >= 1_000) {
        lastCount = ms;
        sentSoFar = (await statusCounts()).sent;
      }
      return ms >= SIZES.memorySampleMs && sentSoFar >= SIZES.memoryMinSent;
    };
    const busySamples = await sampleRss(dispatcher.pid, SIZES.sampleEveryMs, enough, () => {
      sandboxPeak = Math.max(sandboxPeak, rssKb(sandbox.pid) ?? 0);
    });
    const counts = await statusCounts();
    const elapsedMs = performance.now() - started;
    const cpu = meter.stop();
    await api(dispatcher, 'POST', '/api/v1/scheduler/stop');
    const peak = Math.max(...busySamples);
    const ratio = peak / idle;
    results.memory = { idle, peak, ratio, sent: counts.sent, elapsedMs, perSecond: (counts.sent * 1000) / elapsedMs, cpu };
    say(`idle RSS (median of ${idleSamples.length} samples over ${SIZES.idleSampleMs / 1000} s, stopped, after a warm-up): ${mb(idle)}`);
    say(
      `peak RSS while sending (${busySamples.length} samples every ${SIZES.sampleEveryMs} ms over ${fmt(elapsedMs / 1000, 1)} s,` +
        ` until >= ${fmt(SIZES.memoryMinSent)} sent and >= ${SIZES.memorySampleMs / 1000} s, at most ${SIZES.memoryMaxMs / 1000} s): ${mb(peak)}` +
        ` = ${fmt(ratio, 2)}x idle (target <= ${TARGETS.memoryRatio}x)`,
    );
    const path5 = [0, 0.25, 0.5, 0.75, 1].map((f) => mb(busySamples[Math.min(busySamples.length - 1, Math.round(f * (busySamples.length - 1)))]));
    say(`  RSS at 0, 25, 50, 75, 100% of the sampling: ${path5.join(' -> ')}`);
    say(
      `  sent ${fmt(counts.sent)} in that time with the backlog: ${fmt(results.memory.perSecond)} msgs/s` +
        `; the sandbox (not the dispatcher) went from ${mb(sandboxBefore)} to ${mb(sandboxPeak)}, it keeps every request`,
    );
    say(`  ${cpuLine(cpu)}`);
  } finally {
    await stopDispatcher(dispatcher);
  }
}

// ---------------------------------------------------------------------------------------------
// 4. The dashboard's overview with 1,000,000 messages

/**
 * Of every 100 rows: 60 sent (sent_at spread over the last 24 hours, so the chart has a day of
 * data), 20 pending, 10 failed (a few reasons), 5 expired and 5 unknown (in doubt, their request
 * out a minute before). No `sending` row: with the dispatcher stopped, nothing holds a claim.
 * created_at runs back from now, one row per 50 ms. Inserted by SQL, 250,000 rows per statement.
 */
async function insertAcrossStates(count) {
  const started = performance.now();
  for (let from = 1; from <= count; from += 250_000) {
    const to = Math.min(count, from + 249_999);
    await db.query(
      `INSERT INTO messages (phone_number, content, status, attempt_count, sent_at, gateway_message_id, failure_reason, request_started_at, created_at)
       SELECT '+90555' || lpad((g % 10000000)::text, 7, '0'), 'Bench message ' || g, s.status,
              CASE WHEN s.status IN ('sent', 'failed', 'unknown') THEN 1 ELSE 0 END,
              CASE WHEN s.status = 'sent' THEN now() - (g % 1440) * interval '1 minute' END,
              CASE WHEN s.status = 'sent' THEN gen_random_uuid()::text END,
              CASE s.status
                WHEN 'failed' THEN (ARRAY['gateway answered 400: invalid recipient', 'gateway answered 422: content rejected',
                                          'gave up after 5 attempts: gateway answered 503'])[1 + g % 3]
                WHEN 'expired' THEN 'expired before it could be sent'
                WHEN 'unknown' THEN 'outcome unknown: no answer from the gateway in time (5000 ms)'
              END,
              CASE WHEN s.status = 'unknown' THEN now() - interval '1 minute' END,
              now() - ($3::int - g) * interval '50 milliseconds'
         FROM generate_series($1::int, $2::int) AS g
         CROSS JOIN LATERAL (SELECT CASE WHEN g % 100 < 60 THEN 'sent' WHEN g % 100 < 80 THEN 'pending' WHEN g % 100 < 90 THEN 'failed'
                                         WHEN g % 100 < 95 THEN 'expired' ELSE 'unknown' END AS status) s`,
      [from, to, count],
    );
  }
  // Fresh statistics and visibility map, as autovacuum would give a table that filled up over time.
  await db.query('VACUUM ANALYZE messages');
  return (performance.now() - started) / 1000;
}

/** A request of the dashboard (a form post or a page), with its headers, timed until its body is read. */
function dashboardRequest(method, url, { headers = {}, form } = {}) {
  const payload =
    form === undefined
      ? undefined
      : Buffer.from(
          Object.entries(form)
            .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
            .join('&'),
        );
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...headers,
          ...(payload ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(payload.length) } : {}),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${url}: no answer in 120 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Signs in through the sign-in form with the bench's API key; answers the session cookie. */
async function signIn(dispatcher) {
  const answer = await dashboardRequest('POST', `${dispatcher.url}/dashboard/login`, { headers: { Origin: dispatcher.url }, form: { key: apiKey } });
  const cookie = [answer.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('dispatcher_session='));
  if (answer.status !== 303 || !cookie) throw new Error(`POST /dashboard/login answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  return cookie.split(';')[0];
}

/** `count` sequential GETs of `route` after `warmup` ones: the times of the counted ones, in ms. */
async function timeGets(dispatcher, cookie, route, warmup, count) {
  const times = [];
  for (let i = 0; i < warmup + count; i += 1) {
    const answer = await dashboardRequest('GET', `${dispatcher.url}${route}`, { headers: { Cookie: cookie } });
    if (answer.status !== 200) throw new Error(`GET ${route} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    if (i >= warmup) times.push(answer.ms);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { median: median(times), p95: sorted[Math.ceil(0.95 * sorted.length) - 1], min: sorted[0], max: sorted[sorted.length - 1], count };
}

async function dashboardPhase(results) {
  heading(`4. Dashboard with ${fmt(SIZES.dashboardRows)} messages`);
  const dispatcher = await startDispatcher(64);
  try {
    await resetMessages();
    const insertSeconds = await insertAcrossStates(SIZES.dashboardRows);
    const counts = await statusCounts();
    say(
      `inserted ${fmt(SIZES.dashboardRows)} messages by SQL in ${fmt(insertSeconds, 1)} s, then VACUUM ANALYZE (dispatcher stopped, not measured): ` +
        Object.entries(counts)
          .filter(([, n]) => n > 0)
          .map(([state, n]) => `${fmt(n)} ${state}`)
          .join(', '),
    );
    const cookie = await signIn(dispatcher);
    const { dashboardWarmup: warmup, dashboardRequests: count } = SIZES;
    const meter = cpuMeter({ dispatcher: dispatcher.pid });
    const overview = await timeGets(dispatcher, cookie, '/dashboard', warmup, count);
    const overviewDay = await timeGets(dispatcher, cookie, '/dashboard?range=24h', warmup, count);
    const live = await timeGets(dispatcher, cookie, '/dashboard/fragments/live', warmup, count);
    const cpu = meter.stop();
    results.dashboard = { overview, overviewDay, live, cpu };
    const line = (name, t) =>
      `${name.padEnd(42)} median ${fmt(t.median, 1)} ms, p95 ${fmt(t.p95, 1)} ms ` +
      `(min ${fmt(t.min, 1)}, max ${fmt(t.max, 1)}; ${t.count} requests after ${warmup} warm-up)`;
    say(line('GET /dashboard (overview, chart of 1 h)', overview));
    say(line('GET /dashboard?range=24h (chart of 24 h)', overviewDay));
    say(line('GET /dashboard/fragments/live (polled)', live));
    say(`  target: overview < ${TARGETS.dashboardOverviewMs} ms at p95 with ${fmt(SIZES.dashboardRows)} messages`);
    say(`  ${cpuLine(cpu)}`);
  } finally {
    await stopDispatcher(dispatcher);
    // Rows made by SQL have no receipt in Redis: emptied without looking for one.
    await db.query('TRUNCATE messages CASCADE');
  }
}

// ---------------------------------------------------------------------------------------------
// Report

async function printMachine() {
  const cpus = os.cpus();
  const server = await withAdmin(async (admin) => {
    const { rows } = await admin.query(
      `SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS shared_buffers,
              current_setting('synchronous_commit') AS synchronous_commit, current_setting('autovacuum') AS autovacuum`,
    );
    return rows[0];
  });
  redis ??= await connectRedis();
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    try {
      execFileSync('git', ['--no-optional-locks', '-C', ROOT, 'diff', '--quiet', 'HEAD', '--', 'apps', 'libs', 'migrations'], { stdio: 'ignore' });
    } catch {
      commit += ' + uncommitted changes in apps/libs/migrations';
    }
  } catch {
    // not a git checkout
  }
  say(`message-dispatcher benchmark${options.quick ? ' (--quick: small sizes, a smoke run; the figures are not the real ones)' : ''}`);
  say(`code:       ${ROOT} @ ${commit}`);
  say(
    `machine:    ${cpus[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ` +
      `${fmt(os.totalmem() / 2 ** 30, 1)} GB RAM, ${os.type()} ${os.release()}`,
  );
  say(
    `load:       ${os
      .loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')} (1, 5, 15 min) at start`,
  );
  say(`node:       ${process.version}`);
  say(
    `postgres:   ${server.version} (shared_buffers ${server.shared_buffers}, synchronous_commit ${server.synchronous_commit}, ` +
      `autovacuum ${server.autovacuum}), database ${dbName}`,
  );
  say(`            rows are inserted by SQL, then ANALYZE (not timed), before each measurement`);
  say(`redis:      ${redisVersion} at ${REDIS_URL}`);
  say(
    `dispatcher: ${Object.entries(dispatcherSettings('64 (then 1 for the serial run)'))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  say(`            + PORT, DATABASE_URL, WEBHOOK_URL (the sandbox), WEBHOOK_AUTH_KEY, API_KEYS; everything else at its default`);
  if (DISPATCHER_NODE_ARGS.length)
    say(`            + node ${DISPATCHER_NODE_ARGS.join(' ')} (BENCH_DISPATCHER_NODE_ARGS: a diagnostic run, not the real figures)`);
  say(`sandbox:    SANDBOX_MODE=accept, no latency, no failures (every POST answered 202)`);
  say(
    `sizes:      ceiling ${SIZES.ceilingRounds} x ${fmt(SIZES.ceilingRequests)} req (+${fmt(SIZES.ceilingWarmup)} warm-up each) ` +
      `at concurrency ${SIZES.concurrency}; ` +
      `dispatch ${fmt(SIZES.dispatchMessages)} (+${fmt(SIZES.dispatchWarmup)} warm-up); ` +
      `serial ${fmt(SIZES.serialMessages)} or ${SIZES.serialTimeLimitMs / 1000} s (+${fmt(SIZES.serialWarmup)}); ` +
      `bulk ${fmt(SIZES.bulkMessages)} in batches of ${fmt(SIZES.bulkBatch)}, ${SIZES.bulkClients} clients; memory ${fmt(SIZES.memoryRows)} rows, ` +
      `RSS every ${SIZES.sampleEveryMs} ms until ${fmt(SIZES.memoryMinSent)} sent (${SIZES.memorySampleMs / 1000}-${SIZES.memoryMaxMs / 1000} s); ` +
      `dashboard ${fmt(SIZES.dashboardRows)} rows, ${SIZES.dashboardRequests} requests per page (+${SIZES.dashboardWarmup} warm-up); ` +
      `poll every ${POLL_EVERY_MS} ms`,
  );
}

function printSummary(results) {
  heading('Summary');
  const verdict = (ok, run) => `${ok ? 'met' : 'NOT met'}${run?.cpu?.disturbed ? ' (disturbed)' : ''}`;
  const note = (run) => (run?.cpu?.disturbed ? '(disturbed)' : '');
  const rows = [['figure', 'measured', 'ratio', 'target', 'verdict']];
  if (results.ceiling) rows.push(['ceiling (bare node:http, c=64)', `${fmt(results.ceiling.perSecond)} req/s`, '1.00', '', note(results.ceiling)]);
  if (results.dispatch) {
    const d = results.dispatch;
    rows.push([
      `dispatch, concurrency 64 (${fmt(d.count)})`,
      `${fmt(d.perSecond)} msgs/s`,
      fmt(d.ratio, 2),
      `>= ${TARGETS.dispatchRatio}`,
      verdict(d.ratio >= TARGETS.dispatchRatio, d),
    ]);
  }
  if (results.serial) {
    const s = results.serial;
    rows.push([
      `dispatch, concurrency 1 (${s.timedOut ? `${SIZES.serialTimeLimitMs / 1000} s limit` : fmt(s.count)})`,
      `${fmt(s.perSecond)} msgs/s`,
      fmt(s.ratio, 3),
      '',
      note(s),
    ]);
  }
  if (results.bulk) {
    const b = results.bulk;
    rows.push(
      b.available
        ? [
            `bulk create (${fmt(b.total)}, batches of ${fmt(SIZES.bulkBatch)})`,
            `${fmt(b.perSecond)} msgs/s`,
            fmt(b.perSecond / TARGETS.bulkPerSecond, 2),
            `>= ${fmt(TARGETS.bulkPerSecond)} msgs/s`,
            verdict(b.perSecond >= TARGETS.bulkPerSecond, b),
          ]
        : ['bulk create', b.status ? `answered ${b.status}` : 'route not available', '', `>= ${fmt(TARGETS.bulkPerSecond)} msgs/s`, ''],
    );
  }
  if (results.memory) {
    const m = results.memory;
    rows.push([
      `memory, ${fmt(SIZES.memoryRows)} pending: peak / idle RSS`,
      `${mb(m.peak)} / ${mb(m.idle)}`,
      `${fmt(m.ratio, 2)}x`,
      `<= ${TARGETS.memoryRatio}x`,
      verdict(m.ratio <= TARGETS.memoryRatio, m),
    ]);
    rows.push([
      `dispatch with that backlog (c=64)`,
      `${fmt(m.perSecond)} msgs/s`,
      results.ceiling ? fmt(m.perSecond / results.ceiling.perSecond, 2) : '',
      '',
      note(m),
    ]);
  }
  if (results.dashboard) {
    const d = results.dashboard;
    rows.push([
      `dashboard overview, ${fmt(SIZES.dashboardRows)} messages: median / p95`,
      `${fmt(d.overview.median, 1)} / ${fmt(d.overview.p95, 1)} ms`,
      fmt(d.overview.p95 / TARGETS.dashboardOverviewMs, 2),
      `< ${TARGETS.dashboardOverviewMs} ms`,
      verdict(d.overview.p95 < TARGETS.dashboardOverviewMs, d),
    ]);
    rows.push([`dashboard live fragment: median / p95`, `${fmt(d.live.median, 1)} / ${fmt(d.live.p95, 1)} ms`, '', '', note(d)]);
  }
  if (rows.length > 1) table(rows);
  if (options.quick) say('(--quick: small sizes; not the figures to quote)');
}

// ---------------------------------------------------------------------------------------------
// Main, and cleanup on every way out

let cleanupPromise = null;

async function cleanup() {
  cleanupPromise ??= (async () => {
    // Children first (the dispatcher stops writing receipts), then the receipts, then the database.
    await Promise.all([...children].map((child) => stopProcess(child, 5_000).catch(() => {})));
    try {
      await forgetReceipts();
    } catch (error) {
      console.error(`cleanup: could not delete this run's sent_message keys: ${error.message} (they expire after CACHE_TTL_SECONDS=300)`);
    }
    redis?.disconnect();
    try {
      await db?.end();
    } catch {
      // already closed
    }
    if (dbCreated) {
      try {
        await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
      } catch (error) {
        console.error(`cleanup: could not drop database ${dbName}: ${error.message}`);
      }
    }
    agent.destroy();
    if (workDir) {
      if (failed && readdirSync(workDir).length > 0) console.error(`logs of the child processes kept in ${workDir}`);
      else rmSync(workDir, { recursive: true, force: true });
    }
  })();
  return cleanupPromise;
}

let signalled = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (signalled) {
      // A second Ctrl-C: stop waiting for the children, go on dropping the database.
      for (const child of children) child.kill('SIGKILL');
      return;
    }
    signalled = true;
    failed = true;
    console.error(`\n${signal}: stopping the child processes and dropping ${dbName}...`);
    void cleanup().finally(() => process.exit(130));
  });
}
// Last resort (e.g. process.exit elsewhere): no child outlives the bench.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

async function main() {
  for (const file of [DISPATCHER_MAIN, SANDBOX_MAIN]) {
    if (!existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
  }
  workDir = mkdtempSync(path.join(os.tmpdir(), `${dbName}-`));
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${dbName}`));
  dbCreated = true;
  // Connected before the schema exists: the first dispatcher migrates it at boot.
  db = await connectDb();
  await printMachine();

  const results = {};
  await startSandbox();
  if (options.only.has('dispatch')) await dispatchPhase(results);
  if (options.only.has('bulk')) await bulkPhase(results);
  if (options.only.has('memory')) await memoryPhase(results);
  if (options.only.has('dashboard')) await dashboardPhase(results);
  await stopProcess(sandbox.child);
  printSummary(results);
}

try {
  await main();
} catch (error) {
  failed = true;
  if (!signalled) console.error(`\nbench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
} finally {
  if (!signalled) {
    await cleanup();
    if (receiptsDeleted > 0) say(`(cleaned up: database ${dbName} dropped, ${fmt(receiptsDeleted)} sent_message keys deleted)`);
  }
}
