import { beforeEach, describe, expect, it } from '@jest/globals';
import { MessageNotFoundError, MessageNotSentError } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import { FakeMessageRepository, FakeSentMessageCache } from '@test/support/fakes.js';
import { GetReceipt } from './get-receipt.use-case.js';

const SENT_AT = new Date('2026-11-22T10:00:02.000Z');
const CACHED_AT = new Date('2026-11-22T10:00:02.040Z');

describe(GetReceipt.name, () => {
  let messages: FakeMessageRepository;
  let cache: FakeSentMessageCache;
  let sut: GetReceipt;

  beforeEach(() => {
    messages = new FakeMessageRepository(new FakeClock());
    cache = new FakeSentMessageCache();
    sut = new GetReceipt(cache, messages);
  });

  const sent = () => messages.seed({ status: 'sent', attemptCount: 1, gatewayMessageId: 'gw-db', sentAt: SENT_AT });

  it('reads the receipt from the cache first', async () => {
    const message = sent();
    cache.hold(message.id, { messageId: 'gw-cache', sentAt: SENT_AT, cachedAt: CACHED_AT });

    await expect(sut.execute(message.id)).resolves.toEqual({ messageId: 'gw-cache', sentAt: SENT_AT, source: 'cache' });
  });

  it('reads a receipt an older version cached (no cachedAt) from the cache as well', async () => {
    const message = sent();
    cache.hold(message.id, { messageId: 'gw-db', sentAt: SENT_AT, cachedAt: null });

    await expect(sut.execute(message.id)).resolves.toEqual({ messageId: 'gw-db', sentAt: SENT_AT, source: 'cache' });
  });

  it('falls back to the database when the cache has no receipt (never cached, or expired)', async () => {
    const never = sent();
    const expired = sent();
    cache.hold(expired.id, { messageId: 'gw-db', sentAt: SENT_AT, cachedAt: CACHED_AT });
    cache.expire(expired.id);

    await expect(sut.execute(never.id)).resolves.toEqual({ messageId: 'gw-db', sentAt: SENT_AT, source: 'database' });
    await expect(sut.execute(expired.id)).resolves.toEqual({ messageId: 'gw-db', sentAt: SENT_AT, source: 'database' });
  });

  it.each(['down', 'disabled'] as const)('falls back to the database when the cache is %s', async (mode) => {
    const message = sent();
    cache.hold(message.id, { messageId: 'gw-cache', sentAt: SENT_AT, cachedAt: CACHED_AT });
    cache.mode = mode;

    await expect(sut.execute(message.id)).resolves.toEqual({ messageId: 'gw-db', sentAt: SENT_AT, source: 'database' });
  });

  it('throws MessageNotFoundError for a message that does not exist', async () => {
    await expect(sut.execute('0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11')).rejects.toThrow(MessageNotFoundError);
  });

  it.each(['pending', 'sending', 'failed', 'unknown', 'expired'] as const)('throws MessageNotSentError for a %s message', async (status) => {
    const message = messages.seed({ status, failureReason: status === 'failed' ? 'gateway answered 400' : null });

    const refused = sut.execute(message.id);

    await expect(refused).rejects.toThrow(MessageNotSentError);
    await expect(refused).rejects.toMatchObject({ code: 'MESSAGE_NOT_SENT', message: `message ${message.id} has not been sent (it is ${status})` });
  });
});
