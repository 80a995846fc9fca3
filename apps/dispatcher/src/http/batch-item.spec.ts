import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { parseBatchItem } from './batch-item.js';
import { CreateMessageDto } from './dto/create-message.dto.js';
import { createValidationPipe } from './validation.pipe.js';

/** What the global ValidationPipe answers for a single create's body: its violations, or none. */
async function singleCreateViolations(body: Record<string, unknown>): Promise<unknown[]> {
  try {
    await createValidationPipe().transform(body, { type: 'body', metatype: CreateMessageDto });
    return [];
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    return (error.getResponse() as { details: unknown[] }).details;
  }
}

/** The dates a single create's controller builds from the validated DTO (new Date of its strings). */
async function singleCreateDates(body: Record<string, unknown>): Promise<{ sendAfter: Date | null; expiresAt: Date | null }> {
  const dto = (await createValidationPipe().transform(body, { type: 'body', metatype: CreateMessageDto })) as CreateMessageDto;
  return { sendAfter: dto.sendAfter ? new Date(dto.sendAfter) : null, expiresAt: dto.expiresAt ? new Date(dto.expiresAt) : null };
}

describe(parseBatchItem.name, () => {
  it.each([
    { phoneNumber: '+905551111111', content: 'hi', colour: 'red' },
    { phoneNumber: '+905551111111', content: 5 },
    { phoneNumber: '+905551111111', content: 'hi', priority: 101 },
    { phoneNumber: '+905551111111', content: 'hi', priority: -101 },
    { phoneNumber: '+905551111111', content: 'hi', priority: 1.5 },
    { phoneNumber: '+905551111111', content: 'hi', priority: '5' },
    { phoneNumber: '+905551111111', content: 'hi', priority: [1] },
    { phoneNumber: '+905551111111', content: 'hi', priority: true },
    { phoneNumber: 5, content: 'hi', sendAfter: 'soon', priority: 1000, urgent: true },
    { content: 'no phone' },
    {},
    { phoneNumber: 7, content: null, extra: true, other: 'x' },
    { phoneNumber: '+905551111111', content: 'hi', sendAfter: 'tomorrow' },
    { phoneNumber: '+905551111111', content: 'hi', sendAfter: 1_700_000_000_000, expiresAt: '' },
    { phoneNumber: '+905551111111', content: 'hi', expiresAt: '2026-02-30T00:00:00Z' },
    { phoneNumber: '+905551111111', content: 'hi', expiresAt: ['2026-11-22T18:00:00Z'] },
    { phoneNumber: '+905551111111', content: 'hi', sendAfter: '2026-W47-1' },
    { phoneNumber: '+905551111111', content: 'hi', sendAfter: '2026-326', expiresAt: '20261122T100000Z' },
    { phoneNumber: '+905551111111', content: 'hi', sendAfter: '2026-11-22', expiresAt: '2026-11-22T10:00:00' },
    { phoneNumber: '+905551111111', content: 'hi', sendAfter: '2026-11-22 10:00:00Z', expiresAt: '2016-12-31T23:59:60Z' },
    { phoneNumber: 5, content: 'hi', sendAfter: '9999-12-31T23:00:00-02:00', expiresAt: '2026-11-22T10:00:00+24:00' },
  ])('refuses %j with exactly what a single create answers', async (body) => {
    const expected = await singleCreateViolations(body);

    expect(expected.length).toBeGreaterThan(0);
    expect(parseBatchItem(body)).toEqual({ rejected: expected });
  });

  it.each([
    [
      { phoneNumber: '+905551111111', content: 'hi' },
      { sendAfter: null, expiresAt: null },
    ],
    [
      { phoneNumber: '+905551111111', content: 'hi', sendAfter: null, expiresAt: undefined },
      { sendAfter: null, expiresAt: null },
    ],
    [
      { phoneNumber: '+905551111111', content: 'hi', priority: null },
      { sendAfter: null, expiresAt: null },
    ],
    [
      { phoneNumber: '+905551111111', content: 'hi', sendAfter: '2026-11-22T18:00:00Z', expiresAt: '2026-11-22T21:00:00+03:00' },
      { sendAfter: new Date('2026-11-22T18:00:00Z'), expiresAt: new Date('2026-11-22T18:00:00Z') },
    ],
    [
      { phoneNumber: '+905551111111', content: 'hi', sendAfter: '2026-11-22t18:00:00.123456789z', expiresAt: '2026-11-22T13:00:00.5-05:00' },
      { sendAfter: new Date('2026-11-22T18:00:00.123Z'), expiresAt: new Date('2026-11-22T18:00:00.500Z') },
    ],
  ])('passes %j on as fields, with its dates parsed, as a single create does', async (body, dates) => {
    expect(await singleCreateViolations(body)).toEqual([]);
    expect(await singleCreateDates(body)).toEqual(dates);

    expect(parseBatchItem(body)).toEqual({ phoneNumber: '+905551111111', content: 'hi', ...dates, priority: null });
  });

  it.each([100, -100, 0, 7])('passes priority %s on, as a single create takes it', async (priority) => {
    const body = { phoneNumber: '+905551111111', content: 'hi', priority };

    expect(await singleCreateViolations(body)).toEqual([]);
    expect(parseBatchItem(body)).toEqual({ phoneNumber: '+905551111111', content: 'hi', sendAfter: null, expiresAt: null, priority });
  });

  it('leaves the rules to the use case: a bad phone number of the right type passes the shape check', () => {
    expect(parseBatchItem({ phoneNumber: '12', content: '' })).toEqual({ phoneNumber: '12', content: '', sendAfter: null, expiresAt: null, priority: null });
  });
});
