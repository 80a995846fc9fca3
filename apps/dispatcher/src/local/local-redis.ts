import net from 'node:net';

/** Where `npm start` looks for a Redis when REDIS_URL is not set. */
export const LOCAL_REDIS = { host: '127.0.0.1', port: 6379 } as const;
/** A Redis on the same machine answers a PING in well under a millisecond; anything slower is not one to use. */
export const PROBE_TIMEOUT_MS = 300;

/**
 * Whether a Redis that needs no password answers at host:port: one PING over a plain socket,
 * answered `+PONG` within `timeoutMs`. Nothing listening, something else listening, a Redis that
 * wants a password (-NOAUTH) or no answer in time: false. Never throws.
 */
export function redisAnswers(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let answer = '';
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.setNoDelay(true);
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG\r\n'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/**
 * One line of the `npm start` banner: the label, two spaces, the text ("Redis  local, redis://...").
 * Two spaces and no column padding, so that a line reads the same to a person and to a script.
 */
export function bannerNote(label: string, text: string): string {
  return `${label}  ${text}`;
}

/** What `npm start` does about Redis: the URL it sets, if any, and its banner note. */
export interface RedisChoice {
  redisUrl?: string;
  note?: string;
}

/**
 * With REDIS_URL set, that one is used as it is and the banner says nothing (as for DATABASE_URL).
 * Without it, a Redis answering on 127.0.0.1:6379 is used; otherwise the cache stays off.
 */
export async function chooseLocalRedis(
  env: Record<string, string | undefined>,
  target: { host: string; port: number } = LOCAL_REDIS,
  probe: (host: string, port: number) => Promise<boolean> = redisAnswers,
): Promise<RedisChoice> {
  if (env.REDIS_URL) return {};
  if (await probe(target.host, target.port)) {
    const redisUrl = `redis://${target.host}:${target.port}`;
    return { redisUrl, note: bannerNote('Redis', `local, ${redisUrl}`) };
  }
  return { note: bannerNote('Redis', 'off: none on localhost') };
}
