import { beforeAll, describe, expect, it } from '@jest/globals';
import type { TestDatabase } from '@test/support/database.js';
import { useFaultDatabase, DispatcherProcess, faultTest, type HttpAnswer, startSandbox } from '@test/fault/support/dispatcher-process.js';

/** Idempotent creation under a burst of identical requests to one real process. */
describe('POST /api/v1/messages with one Idempotency-Key (fault)', () => {
  const database = useFaultDatabase();
  let db: TestDatabase;

  beforeAll(() => {
    db = database();
  });

  it(
    'creates exactly one row for 20 concurrent identical requests, and refuses the key with another body (422)',
    faultTest(async () => {
      const sandbox = await startSandbox();
      const sut = await DispatcherProcess.start({
        databaseUrl: db.url,
        webhookUrl: sandbox.webhookUrl,
        instanceId: 'fault-idem',
        env: { DISPATCH_AUTOSTART: 'false' },
      });
      const key = 'fault-idempotency-key-0001';
      const body = { phoneNumber: '+905551111111', content: 'only once' };

      const answers: HttpAnswer[] = await Promise.all(Array.from({ length: 20 }, () => sut.api('POST', '/api/v1/messages', body, { 'Idempotency-Key': key })));

      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
      const ids = new Set(answers.map((a) => a.body.id));
      expect(ids.size).toBe(1);
      const [id] = ids;
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
      const { rows } = await db.sql.query('SELECT id, phone_number, content, status FROM messages WHERE idempotency_key = $1', [key]);
      expect(rows).toEqual([{ id, phone_number: body.phoneNumber, content: body.content, status: 'pending' }]);
      expect((await db.sql.query('SELECT count(*)::int AS n FROM messages')).rows[0].n).toBe(1);

      const reused = await sut.api('POST', '/api/v1/messages', { ...body, content: 'another body' }, { 'Idempotency-Key': key });
      expect(reused.status).toBe(422);
      expect(reused.body).toMatchObject({ statusCode: 422 });
      expect((await db.sql.query('SELECT count(*)::int AS n FROM messages')).rows[0].n).toBe(1);
      expect(sandbox.received()).toHaveLength(0);
    }),
  );
});
