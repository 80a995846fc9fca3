import { describe, expect, it } from '@jest/globals';
import { MessageContent, PhoneNumber } from '@app/domain';
import { sampleMessages } from './sample-messages.js';

describe('sampleMessages', () => {
  it('makes the requested number of messages, every one valid', () => {
    const samples = sampleMessages(500);
    expect(samples).toHaveLength(500);
    for (const sample of samples) {
      expect(PhoneNumber.problem(sample.phoneNumber)).toBeNull();
      expect(MessageContent.problem(sample.content)).toBeNull();
    }
  });

  it('varies the recipients', () => {
    expect(new Set(sampleMessages(100).map((s) => s.phoneNumber)).size).toBe(100);
  });
});
