import { beforeEach, describe, expect, it } from '@jest/globals';
import { ValidationError } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import { FakeSendHistory } from '@test/support/fakes.js';
import { GetSendHistory } from './get-send-history.use-case.js';

const NOW = new Date('2026-11-22T10:00:30.000Z');
const minute = (offset: number) => new Date(Date.UTC(2026, 10, 22, 10, offset));

describe(GetSendHistory.name, () => {
  let history: FakeSendHistory;
  let sut: GetSendHistory;

  beforeEach(() => {
    history = new FakeSendHistory();
    sut = new GetSendHistory(history, new FakeClock(NOW));
  });

  it('answers one entry per minute of the last N, oldest first, the current minute last, zeros included', async () => {
    history.add(minute(0), 4);
    history.add(new Date(minute(-2).getTime() + 59_999), 2);
    history.add(minute(-3), 9);
    history.add(minute(1), 7);

    await expect(sut.execute({ minutes: 3 })).resolves.toEqual([
      { minute: minute(-2), sent: 2 },
      { minute: minute(-1), sent: 0 },
      { minute: minute(0), sent: 4 },
    ]);
  });

  it('answers the last hour and the last day', async () => {
    history.add(minute(-59), 1);
    history.add(minute(-60), 1);

    const hour = await sut.execute({ minutes: 60 });
    expect(hour).toHaveLength(60);
    expect(hour[0]).toEqual({ minute: minute(-59), sent: 1 });
    const day = await sut.execute({ minutes: 1440 });
    expect(day).toHaveLength(1440);
    expect(day.reduce((sum, m) => sum + m.sent, 0)).toBe(2);
  });

  it.each([0, 1441, 1.5, Number.NaN])('refuses %s minutes', async (minutes) => {
    await expect(sut.execute({ minutes })).rejects.toThrow(ValidationError);
  });
});
