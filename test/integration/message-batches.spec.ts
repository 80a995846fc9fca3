import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import type { BatchItem } from '@app/domain';
import { databaseOptions, TypeOrmMessageRepository } from '@app/infrastructure';
import { describeCreateManyContract } from '@test/support/create-many.contract.js';
import { createTestDatabase, type TestDatabase } from '@test/support/database.js';

const message = (i: number): BatchItem => ({ message: { phoneNumber: `+90555${String(1_000_000 + i).padStart(7, '0')}`, content: `batch ${i}` } });

describe(`${TypeOrmMessageRepository.name} batches`, () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource(databaseOptions(db.url)).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.close();
  });

  const fresh = async () => {
    await db.sql.query('TRUNCATE messages, message_attempts, message_replays, message_batches, message_decisions');
    return new TypeOrmMessageRepository(dataSource);
  };

  describeCreateManyContract('PostgreSQL', { fresh });

  it('inserts 1000 messages in one statement, each row holding its own item, in request order of seq', async () => {
    const sut = await fresh();
    const items = Array.from({ length: 1000 }, (_, i) => (i % 7 === 3 ? { error: { code: 'VALIDATION_FAILED', message: 'x', details: [] } } : message(i)));
    const statements: string[] = [];
    const query = dataSource.query.bind(dataSource);
    dataSource.query = ((sql: string, params?: unknown[]) => {
      statements.push(sql);
      return query(sql, params);
    }) as typeof dataSource.query;
    try {
      const answer = await sut.createMany(items);
      expect(statements).toHaveLength(1);

      const { rows } = await db.sql.query<{ id: string; content: string }>('SELECT id, content FROM messages ORDER BY seq');
      const expected = answer.results.flatMap((r, i) => ('id' in r ? [{ id: r.id, content: `batch ${i}` }] : []));
      expect(rows).toEqual(expected);
      expect(rows).toHaveLength(857);
    } finally {
      dataSource.query = query;
    }
  });

  it('stores no batch row without a key, and the answer as JSON with one', async () => {
    const sut = await fresh();
    await sut.createMany([message(0)]);
    expect((await db.sql.query('SELECT count(*)::int AS n FROM message_batches')).rows[0].n).toBe(0);

    const answer = await sut.createMany([message(1)], { key: 'k', requestHash: 'h' });
    const { rows } = await db.sql.query('SELECT idempotency_key, request_hash, results FROM message_batches');
    expect(rows).toEqual([{ idempotency_key: 'k', request_hash: 'h', results: answer.results }]);
  });

  it('keeps batch keys apart from the keys of single creates', async () => {
    const sut = await fresh();
    const single = await sut.create({ phoneNumber: '+905551111111', content: 'single', idempotencyKey: 'shared', requestHash: 'h1' });
    const batch = await sut.createMany([message(0)], { key: 'shared', requestHash: 'h2' });

    expect([single.created, batch.created]).toEqual([true, true]);
    expect((await db.sql.query('SELECT count(*)::int AS n FROM messages')).rows[0].n).toBe(2);
  });
});
