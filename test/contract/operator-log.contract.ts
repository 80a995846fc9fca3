/**
 * What the operator log promises, written once and run against both implementations: PgOperatorLog
 * with TypeOrmMessageRepository on PostgreSQL (test/integration/operator-log.contract.spec.ts) and
 * the in-memory fakes (test/support/fake-operator-log.contract.spec.ts). The log is written two
 * ways: directly (start, stop) and by the message repository, with the change it records (replays
 * and settlements); both are read back through OperatorLog.list.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  type Actor,
  InvalidCursorError,
  type MessageProps,
  type MessageRepository,
  NotInDoubtError,
  OperatorLog,
  type OperatorLogEntry,
  PreviewChangedError,
  ReplayRefusedError,
} from '@app/domain';

export interface OperatorLogHarness {
  readonly log: OperatorLog;
  /** The message repository writing to the same log (the same database, or the same fake). */
  readonly repository: MessageRepository;
  /** Stores a message in any state, as plain SQL would. Returns the id. */
  seed(row?: Partial<MessageProps>): Promise<string>;
  close(): Promise<void>;
}

const T0 = new Date('2030-01-01T12:00:00.000Z');
const API: Actor = { source: 'api', id: 'key:0123456789ab' };
const DASHBOARD: Actor = { source: 'dashboard', id: 'session:ops-1' };

/** An entry as a test expects it: its id and time are the log's. */
const entry = (fields: Omit<OperatorLogEntry, 'id' | 'at'>) => ({ ...fields, id: expect.any(Number), at: expect.any(Date) });

export function describeOperatorLogContract(name: string, makeHarness: () => Promise<OperatorLogHarness>): void {
  describe(`OperatorLog contract: ${name}`, () => {
    let harness: OperatorLogHarness;
    let sut: OperatorLog;
    let messages: MessageRepository;

    beforeEach(async () => {
      harness = await makeHarness();
      sut = harness.log;
      messages = harness.repository;
    });

    afterEach(async () => {
      await harness.close();
    });

    const all = async () => (await sut.list({ limit: 100 })).items;

    describe('record and list', () => {
      it('keeps entries with an increasing id and the time they were written, and lists them newest first', async () => {
        const first = await sut.record({ actor: API, action: 'start', messageCount: 0, detail: {} });
        const second = await sut.record({ actor: DASHBOARD, action: 'stop', messageCount: 0, detail: { note: 'ünïcode 😀' } });

        expect(first).toEqual(entry({ actor: API, action: 'start', messageCount: 0, detail: {} }));
        expect(second.id).toBeGreaterThan(first.id);
        expect(second.at.getTime()).toBeGreaterThanOrEqual(first.at.getTime());
        expect(await all()).toEqual([second, first]);
      });

      it('walks every entry once across pages, newest first', async () => {
        const written: OperatorLogEntry[] = [];
        for (let i = 0; i < 7; i += 1) written.push(await sut.record({ actor: API, action: 'replay', messageCount: i, detail: { i } }));

        const seen: OperatorLogEntry[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 10; page += 1) {
          const result = await sut.list({ limit: 3, ...(cursor === undefined ? {} : { cursor }) });
          seen.push(...result.items);
          if (result.nextCursor === null) break;
          cursor = result.nextCursor;
        }

        expect(seen).toEqual([...written].reverse());
      });

      it('lists only the actions asked for, and only entries written since a time', async () => {
        const start = await sut.record({ actor: API, action: 'start', messageCount: 0, detail: {} });
        const replay = await sut.record({ actor: API, action: 'replay', messageCount: 2, detail: {} });
        const stop = await sut.record({ actor: DASHBOARD, action: 'stop', messageCount: 0, detail: {} });

        expect((await sut.list({ limit: 10, actions: ['start', 'stop'] })).items).toEqual([stop, start]);
        expect((await sut.list({ limit: 10, actions: ['replay'] })).items).toEqual([replay]);
        expect((await sut.list({ limit: 10, actions: [] })).items).toEqual([stop, replay, start]);
        const page = await sut.list({ limit: 1, actions: ['start', 'stop'] });
        expect((await sut.list({ limit: 1, actions: ['start', 'stop'], cursor: page.nextCursor as string })).items).toEqual([start]);
        expect((await sut.list({ limit: 10, since: start.at })).items).toHaveLength(3);
        expect((await sut.list({ limit: 10, since: new Date(stop.at.getTime() + 1) })).items).toEqual([]);
      });

      it.each([
        ['a made-up string', 'not-a-cursor'],
        ['an empty string', ''],
      ])('rejects %s as a cursor with InvalidCursorError', async (_what, cursor) => {
        await sut.record({ actor: API, action: 'start', messageCount: 0, detail: {} });
        await expect(sut.list({ limit: 1, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
      });

      it('rejects a cursor of the message list with InvalidCursorError', async () => {
        await harness.seed();
        await harness.seed();
        const { nextCursor } = await messages.list({ limit: 1 });

        await expect(sut.list({ limit: 1, cursor: nextCursor as string })).rejects.toBeInstanceOf(InvalidCursorError);
      });
    });

    describe('written by the message repository with the change', () => {
      it('records a replay of one message with who asked, and one of a pending message as 0 messages', async () => {
        const failed = await harness.seed({ status: 'failed', failureReason: 'rejected' });
        const pending = await harness.seed();

        await messages.replay(failed, T0, DASHBOARD);
        await messages.replay(pending, T0, API);
        await messages.replay(failed, T0);

        expect(await all()).toEqual([
          entry({ actor: API, action: 'replay', messageCount: 0, detail: { messageId: pending, previousStatus: null } }),
          entry({ actor: DASHBOARD, action: 'replay', messageCount: 1, detail: { messageId: failed, previousStatus: 'failed' } }),
        ]);
      });

      it('records nothing for a refused replay', async () => {
        const sent = await harness.seed({ status: 'sent', sentAt: T0, gatewayMessageId: 'gw' });

        await expect(messages.replay(sent, T0, API)).rejects.toBeInstanceOf(ReplayRefusedError);

        expect(await all()).toEqual([]);
      });

      it('records a bulk replay once, with its filter and count, and nothing for a dry run', async () => {
        await harness.seed({ status: 'failed', failureReason: 'x' });
        await harness.seed({ status: 'unknown', failureReason: 'y' });
        await harness.seed({ status: 'sent', sentAt: T0, gatewayMessageId: 'gw' });
        const filter = { statuses: ['failed', 'unknown'] as const, from: new Date('2000-01-01T00:00:00.000Z') };

        await messages.replayMatching({ ...filter, statuses: [...filter.statuses] }, T0, true, { actor: API });
        await messages.replayMatching({ ...filter, statuses: [...filter.statuses] }, T0, false, { actor: DASHBOARD });
        await messages.replayMatching({ statuses: ['expired'] }, T0, false, { actor: API });

        expect(await all()).toEqual([
          entry({ actor: API, action: 'replay', messageCount: 0, detail: { statuses: ['expired'], from: null, to: null } }),
          entry({
            actor: DASHBOARD,
            action: 'replay',
            messageCount: 2,
            detail: { statuses: ['failed', 'unknown'], from: '2000-01-01T00:00:00.000Z', to: null },
          }),
        ]);
      });

      it('records a replay of a previewed set with its token, and nothing when the set changed', async () => {
        await harness.seed({ status: 'failed', failureReason: 'x' });
        const { fingerprint } = await messages.previewReplay({ statuses: ['failed'] });
        await messages.replayMatching({ statuses: ['failed'] }, T0, false, {
          actor: API,
          expectedFingerprint: fingerprint,
          logDetail: { previewToken: fingerprint },
        });

        await harness.seed({ status: 'failed', failureReason: 'x' });
        await harness.seed({ status: 'failed', failureReason: 'y' });
        const stale = (await messages.previewReplay({ statuses: ['failed'] })).fingerprint;
        await harness.seed({ status: 'failed', failureReason: 'z' });
        await expect(
          messages.replayMatching({ statuses: ['failed'] }, T0, false, { actor: API, expectedFingerprint: stale, logDetail: { previewToken: stale } }),
        ).rejects.toBeInstanceOf(PreviewChangedError);

        expect(await all()).toEqual([
          entry({ actor: API, action: 'replay', messageCount: 1, detail: { statuses: ['failed'], from: null, to: null, previewToken: fingerprint } }),
        ]);
      });

      it('records a settlement with its outcome, reason and gateway messageId, and nothing for a refused one', async () => {
        const doubtful = await harness.seed({ status: 'unknown', failureReason: 'outcome unknown: timeout' });
        const sent = await harness.seed({ status: 'sent', sentAt: T0, gatewayMessageId: 'gw' });
        const gw = '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849';

        await messages.settle(doubtful, { outcome: 'sent', reason: 'confirmed by the gateway', gatewayMessageId: gw }, T0, DASHBOARD);
        await expect(messages.settle(sent, { outcome: 'failed', reason: 'no' }, T0, API)).rejects.toBeInstanceOf(NotInDoubtError);

        expect(await all()).toEqual([
          entry({
            actor: DASHBOARD,
            action: 'settle',
            messageCount: 1,
            detail: { messageId: doubtful, outcome: 'sent', reason: 'confirmed by the gateway', gatewayMessageId: gw },
          }),
        ]);
      });
    });
  });
}
