/**
 * What MessageRepository.createMany promises, written once and run against every implementation
 * (the TypeORM adapter on PostgreSQL, the in-memory fake), so that the fake cannot drift.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import type { BatchItem, BatchItemError, BatchItemResult, MessageRepository } from '@app/domain';

export interface CreateManySubject {
  /** A repository over an empty store. */
  fresh(): Promise<MessageRepository>;
}

const refused: BatchItemError = { code: 'VALIDATION_FAILED', message: 'phoneNumber: bad', details: [{ field: 'phoneNumber', messages: ['bad'] }] };
const message = (i: number): BatchItem => ({ message: { phoneNumber: `+90555${String(1_000_000 + i).padStart(7, '0')}`, content: `batch ${i}` } });
const idOf = (result: BatchItemResult) => ('id' in result ? result.id : null);

export function describeCreateManyContract(name: string, subject: CreateManySubject): void {
  describe(`createMany (${name})`, () => {
    let sut: MessageRepository;

    beforeEach(async () => {
      sut = await subject.fresh();
    });

    const pending = async () => (await sut.countByStatus()).pending;

    it('creates one pending message per message item and answers, in item order, its id or the item error', async () => {
      const sendAfter = new Date('2030-01-01T12:00:00.000Z');
      const expiresAt = new Date('2030-01-02T12:00:00.000Z');
      const items: BatchItem[] = [
        message(0),
        { error: refused },
        { message: { phoneNumber: '+905551111111', content: 'later', sendAfter, expiresAt } },
        message(3),
      ];

      const answer = await sut.createMany(items);

      expect(answer.created).toBe(true);
      expect(answer.requestHash).toBeNull();
      expect(answer.results[1]).toEqual({ error: refused });
      const ids = answer.results.map(idOf);
      expect(new Set(ids.filter(Boolean)).size).toBe(3);
      const stored = await Promise.all([ids[0], ids[2], ids[3]].map((id) => sut.findById(id as string)));
      expect(stored.map((m) => [m?.phoneNumber, m?.content, m?.status, m?.attemptCount])).toEqual([
        ['+905551000000', 'batch 0', 'pending', 0],
        ['+905551111111', 'later', 'pending', 0],
        ['+905551000003', 'batch 3', 'pending', 0],
      ]);
      expect(stored[1]).toMatchObject({ sendAfter, expiresAt });
      expect(await pending()).toBe(3);
    });

    it('stores the priority of each item, 0 for an item without one', async () => {
      const items: BatchItem[] = [
        { message: { phoneNumber: '+905551111111', content: 'urgent', priority: 100 } },
        message(1),
        { message: { phoneNumber: '+905551111111', content: 'bulk', priority: -100 } },
      ];

      const { results } = await sut.createMany(items);

      const stored = await Promise.all(results.map((r) => sut.findById(idOf(r) as string)));
      expect(stored.map((m) => m?.priority)).toEqual([100, 0, -100]);
      await expect(sut.countPendingByPriority()).resolves.toEqual([
        { priority: 100, pending: 1 },
        { priority: 0, pending: 1 },
        { priority: -100, pending: 1 },
      ]);
    });

    it('keeps the answer under the key and answers it again, created false, without inserting anything', async () => {
      const first = await sut.createMany([message(0), { error: refused }], { key: 'k-1', requestHash: 'h-1' });
      const again = await sut.createMany([message(5), message(6)], { key: 'k-1', requestHash: 'h-2' });

      expect(first).toMatchObject({ created: true, requestHash: 'h-1' });
      expect(again).toEqual({ results: first.results, created: false, requestHash: 'h-1' });
      expect(await sut.findBatchByIdempotencyKey('k-1')).toEqual({ results: first.results, requestHash: 'h-1' });
      expect(await pending()).toBe(1);
    });

    it('keeps the answer of a keyed batch whose every item was refused', async () => {
      const first = await sut.createMany([{ error: refused }], { key: 'k-2', requestHash: 'h' });

      expect(first).toEqual({ results: [{ error: refused }], created: true, requestHash: 'h' });
      expect(await sut.findBatchByIdempotencyKey('k-2')).toEqual({ results: [{ error: refused }], requestHash: 'h' });
      expect(await pending()).toBe(0);
    });

    it('finds no batch for an unknown key, nor for a batch created without one', async () => {
      await sut.createMany([message(0)]);

      expect(await sut.findBatchByIdempotencyKey('k-3')).toBeNull();
    });

    it('creates exactly once when 20 batches with one key arrive at once, and gives each the same answer', async () => {
      const items = Array.from({ length: 50 }, (_, i) => message(i));

      const answers = await Promise.all(Array.from({ length: 20 }, () => sut.createMany(items, { key: 'k-4', requestHash: 'h' })));

      expect(answers.filter((a) => a.created)).toHaveLength(1);
      for (const answer of answers) expect(answer.results).toEqual(answers[0].results);
      expect(await pending()).toBe(50);
    });
  });
}
