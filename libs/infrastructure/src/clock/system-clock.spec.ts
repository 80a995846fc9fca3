import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from '@jest/globals';
import { SystemClock } from './system-clock.js';

describe(SystemClock.name, () => {
  it('runs a timer in the context the clock was created in, not the one that set it', async () => {
    const storage = new AsyncLocalStorage<string>();
    const sut = storage.run('boot', () => new SystemClock());

    const seen = await storage.run('request-1', () => new Promise<string | undefined>((resolve) => sut.setTimer(1, () => resolve(storage.getStore()))));

    expect(seen).toBe('boot');
  });

  it('cancels a timer', async () => {
    const sut = new SystemClock();
    let fired = false;

    sut.setTimer(5, () => (fired = true)).cancel();
    await new Promise((resolve) => setTimeout(resolve, 30));

    expect(fired).toBe(false);
  });
});
