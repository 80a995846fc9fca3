import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectResponseToMatchDocument, fetchDocument, type OpenApiDocument } from '@test/support/openapi.js';
import { type Stack, startStack, waitFor } from '@test/support/stack.js';

/** GET /api/v1/messages?q=&from=&to=: search by gateway messageId, phone number and failure reason, in a time range. */
describe('search the message list (e2e)', () => {
  let stack: Stack;
  let doc: OpenApiDocument;
  let sent: { id: string; messageId: string };
  let failed: string;
  let other: string;

  beforeAll(async () => {
    stack = await startStack({ env: { DISPATCH_INTERVAL_MS: '100' } });
    doc = await fetchDocument(stack);
    const create = async (phoneNumber: string, content: string) =>
      (await stack.api('post', '/api/v1/messages').send({ phoneNumber, content }).expect(201)).body.id as string;
    const sentId = await create('+905551111111', 'goes out');
    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    await waitFor('sent', async () => (await stack.row(sentId)).status === 'sent');
    stack.sandbox.configure({ mode: '400' });
    failed = await create('+905552222222', 'refused');
    await waitFor('failed', async () => (await stack.row(failed)).status === 'failed');
    await stack.api('post', '/api/v1/scheduler/stop').expect(200);
    stack.sandbox.configure({ mode: 'accept' });
    other = await create('+905551111111', 'waits');
    sent = { id: sentId, messageId: (await stack.row(sentId)).gateway_message_id as string };
  });

  afterAll(async () => {
    await stack.close();
  });

  async function list(query: string, status = 200) {
    const res = await stack.api('get', `/api/v1/messages?${query}`);
    expect({ status: res.status, body: res.body }).toMatchObject({ status });
    expectResponseToMatchDocument(doc, res);
    return res.body;
  }

  const ids = async (query: string) => (await list(query)).items.map((m: { id: string }) => m.id);

  it("finds a message by the gateway's messageId, as the sandbox gave it or in upper case, and by its own id", async () => {
    expect(sent.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await ids(`q=${sent.messageId}`)).toEqual([sent.id]);
    expect(await ids(`q=${sent.messageId.toUpperCase()}`)).toEqual([sent.id]);
    expect(await ids(`q=${failed}`)).toEqual([failed]);
    expect(await ids('q=0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11')).toEqual([]);
  });

  it('finds the messages to a phone number, newest first, also written with spaces and dashes', async () => {
    expect(await ids(`q=${encodeURIComponent('+905551111111')}`)).toEqual([other, sent.id]);
    expect(await ids(`q=${encodeURIComponent('+90 555-111 11 11')}`)).toEqual([other, sent.id]);
    expect(await ids(`q=${encodeURIComponent('+905551111111')}&status=sent`)).toEqual([sent.id]);
    const first = await list(`q=${encodeURIComponent('+905551111111')}&limit=1`);
    expect(await ids(`q=${encodeURIComponent('+905551111111')}&limit=1&cursor=${first.nextCursor}`)).toEqual([sent.id]);
  });

  it('finds messages by a part of their failure reason, ignoring case', async () => {
    expect((await stack.row(failed)).failure_reason).toContain('gateway answered 400');
    expect(await ids('q=ANSWERED%20400')).toEqual([failed]);
    expect(await ids('q=answered%20503')).toEqual([]);
    expect(await ids('q=%20%20')).toEqual([other, failed, sent.id]);
  });

  it('keeps the messages created in a time range', async () => {
    const created = (await stack.row(other)).created_at as Date;
    const at = (ms: number) => encodeURIComponent(new Date(created.getTime() + ms).toISOString());

    expect(await ids(`from=${at(0)}`)).toEqual([other]);
    expect(await ids(`to=${at(0)}`)).toEqual([failed, sent.id]);
    expect(await ids(`from=${at(-60_000)}&to=${at(1)}&q=${encodeURIComponent('+905551111111')}`)).toEqual([other, sent.id]);
    expect(await ids(`from=${at(1)}&to=${at(0)}`)).toEqual([]);
  });

  it('refuses a search longer than 200 characters, holding NUL or too short for the trigram index, and a time that is not an RFC 3339 date-time', async () => {
    expect(await list(`q=${'x'.repeat(201)}`, 400)).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'q' }] });
    expect(await list('q=a%00b', 400)).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'q' }] });
    expect(await list('q=ok', 400)).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'q' }] });
    expect(await list('from=2026-11-22', 400)).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'from' }] });
    // An unescaped + in a query string is a space: the offset is then missing.
    expect(await list('to=2026-11-22T10:00:00+03:00', 400)).toMatchObject({ details: [{ field: 'to' }] });
  });
});
