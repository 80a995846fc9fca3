/**
 * The ceiling of `npm run bench`: the fastest a bare client can POST the gateway contract to the
 * sandbox. node:http with a keep-alive agent (maxSockets = concurrency), `concurrency` requests
 * in flight, the body discarded unread (only the 202 is checked). Runs in its own process so it
 * shares no event loop with the bench's polling.
 *
 * Input (env): CEILING_URL, CEILING_AUTH_KEY, CEILING_REQUESTS, CEILING_WARMUP, CEILING_CONCURRENCY.
 * Output (stdout): a line "WARM" once the warm-up requests are answered (the measured run starts
 * right after it), then one JSON line with the result.
 */
import http from 'node:http';

const url = new URL(required('CEILING_URL'));
const authKey = required('CEILING_AUTH_KEY');
const requests = Number(required('CEILING_REQUESTS'));
const warmup = Number(process.env.CEILING_WARMUP ?? '0');
const concurrency = Number(required('CEILING_CONCURRENCY'));

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const body = Buffer.from(JSON.stringify({ to: '+905551111111', content: 'hello' }));
const headers = { 'Content-Type': 'application/json', 'x-ins-auth-key': authKey, 'Content-Length': String(body.length) };

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is required`);
    process.exit(2);
  }
  return value;
}

function post() {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve('error'));
    });
    req.on('error', () => resolve('error'));
    req.end(body);
  });
}

/** `count` POSTs, `concurrency` at a time; how many did not answer 202. */
async function run(count) {
  let issued = 0;
  let not202 = 0;
  const worker = async () => {
    while (issued < count) {
      issued += 1;
      if ((await post()) !== 202) not202 += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return not202;
}

if (warmup > 0) await run(warmup);
process.stdout.write('WARM\n');
const cpuBefore = process.cpuUsage();
const started = performance.now();
const not202 = await run(requests);
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(
  `${JSON.stringify({ requests, concurrency, ms, perSecond: (requests * 1000) / ms, not202, clientCpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
);
agent.destroy();
