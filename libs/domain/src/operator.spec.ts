import { describe, expect, it } from '@jest/globals';
import { settlementViolations } from './operator.js';

describe(settlementViolations.name, () => {
  it('takes sent with or without a UUID gateway messageId, and failed without one', () => {
    expect(settlementViolations({ outcome: 'sent', reason: 'confirmed', gatewayMessageId: '67F2F8A8-EA58-4ED0-A6F9-FF217DF4D849' })).toEqual([]);
    expect(settlementViolations({ outcome: 'sent', reason: 'confirmed', gatewayMessageId: null })).toEqual([]);
    expect(settlementViolations({ outcome: 'failed', reason: 'x' })).toEqual([]);
  });

  it('names every field that breaks a rule, in field order', () => {
    expect(settlementViolations({ outcome: 'maybe' as never, reason: '', gatewayMessageId: 'gw' })).toEqual([
      { field: 'outcome', messages: ['outcome must be one of sent, failed'] },
      { field: 'reason', messages: ['reason must be 1 to 500 characters, not blank, without NUL'] },
      { field: 'gatewayMessageId', messages: ['gatewayMessageId may only be given with outcome sent'] },
    ]);
    expect(settlementViolations({ outcome: 'sent', reason: 'x', gatewayMessageId: 'gw-1' })).toEqual([
      { field: 'gatewayMessageId', messages: ['gatewayMessageId must be a UUID'] },
    ]);
  });
});
