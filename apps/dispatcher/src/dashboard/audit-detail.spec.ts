import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '@app/domain';
import { detailLines, MAX_DETAIL_VALUE } from './audit-detail.js';
import { settleProblems } from './settle-problems.js';

describe('detailLines', () => {
  it('writes a settlement’s detail as labelled lines, the message id as a link, empty values left out', () => {
    expect(detailLines({ messageId: '0B9D9C54-5F1E-4A8A-9A8E-6A1F3F1C2D11', outcome: 'failed', reason: 'support said so', gatewayMessageId: null })).toEqual([
      { key: 'messageId', label: 'message', value: '0B9D9C54-5F1E-4A8A-9A8E-6A1F3F1C2D11', messageId: '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11' },
      { key: 'outcome', label: 'outcome', value: 'failed' },
      { key: 'reason', label: 'reason', value: 'support said so' },
    ]);
  });

  it('writes lists joined, objects as JSON, long values cut, and nothing for an empty detail', () => {
    const lines = detailLines({ statuses: ['failed', 'unknown'], from: '2026-11-22T10:00:00.000Z', extra: { a: 1 }, dryRun: false, long: 'x'.repeat(1000) });
    expect(lines.map((l) => [l.label, l.value.length > 50 ? l.value.length : l.value])).toEqual([
      ['states', 'failed, unknown'],
      ['from', '2026-11-22T10:00:00.000Z'],
      ['extra', '{"a":1}'],
      ['dry run', 'false'],
      ['long', MAX_DETAIL_VALUE],
    ]);
    expect(detailLines({})).toEqual([]);
    expect(detailLines(null)).toEqual([]);
    expect(detailLines({ messageId: 'not-a-uuid' })[0].messageId).toBeUndefined();
  });
});

describe('settleProblems', () => {
  it('says what is wrong with a settlement form in its own words', () => {
    const error = new ValidationError([
      { field: 'outcome', messages: ['outcome must be one of sent, failed'] },
      { field: 'reason', messages: ['reason must be 1 to 500 characters, not blank, without NUL'] },
    ]);
    expect(settleProblems(error)).toEqual([expect.stringContaining('Choose whether the gateway has the message'), expect.stringContaining('Give a reason')]);
    expect(settleProblems(ValidationError.forField('gatewayMessageId', 'gatewayMessageId may only be given with outcome sent'))[0]).toContain(
      'goes only with “sent”',
    );
    expect(settleProblems(ValidationError.forField('gatewayMessageId', 'gatewayMessageId must be a UUID'))[0]).toContain('must be a UUID');
  });
});
