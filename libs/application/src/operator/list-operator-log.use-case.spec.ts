import { beforeEach, describe, expect, it } from '@jest/globals';
import { InvalidCursorError, ValidationError } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import { FakeOperatorLog } from '@test/support/fakes.js';
import { ListOperatorLog } from './list-operator-log.use-case.js';

const API = { source: 'api', id: 'key:0123456789ab' } as const;

describe(ListOperatorLog.name, () => {
  let clock: FakeClock;
  let log: FakeOperatorLog;
  let sut: ListOperatorLog;

  beforeEach(() => {
    clock = new FakeClock();
    log = new FakeOperatorLog(clock);
    sut = new ListOperatorLog(log);
  });

  it('pages through the log newest first, of one action, of several, or since a time', async () => {
    const start = await log.record({ actor: API, action: 'start', messageCount: 0, detail: {} });
    await clock.advance(1_000);
    const replay = await log.record({ actor: API, action: 'replay', messageCount: 3, detail: { statuses: ['failed'] } });
    const stop = await log.record({ actor: API, action: 'stop', messageCount: 0, detail: {} });

    const first = await sut.execute({ limit: 2 });
    expect(first.items).toEqual([stop, replay]);
    await expect(sut.execute({ limit: 2, cursor: first.nextCursor as string })).resolves.toEqual({ items: [start], nextCursor: null });
    await expect(sut.execute({ limit: 10, action: 'replay' })).resolves.toEqual({ items: [replay], nextCursor: null });
    await expect(sut.execute({ limit: 10, action: ['start', 'stop'] })).resolves.toMatchObject({ items: [stop, start] });
    await expect(sut.execute({ limit: 10, since: clock.now() })).resolves.toMatchObject({ items: [stop, replay] });
  });

  it('refuses a limit out of 1 to 100, an unknown action and a cursor it did not hand out', async () => {
    await expect(sut.execute({ limit: 0 })).rejects.toThrow(ValidationError);
    await expect(sut.execute({ limit: 101 })).rejects.toMatchObject({ details: [{ field: 'limit' }] });
    await expect(sut.execute({ limit: 10, action: 'delete' as never })).rejects.toMatchObject({ details: [{ field: 'action' }] });
    await expect(sut.execute({ limit: 10, cursor: 'made-up' })).rejects.toThrow(InvalidCursorError);
  });
});
