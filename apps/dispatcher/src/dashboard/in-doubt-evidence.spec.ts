import { describe, expect, it } from '@jest/globals';
import { type AttemptRecord, LEASE_LOST, Message, type MessageProps } from '@app/domain';
import { dashboardActor } from './dashboard-actor.js';
import { causeOf, inDoubtEvidence } from './in-doubt-evidence.js';

const ID = '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11';
const STARTED = new Date('2026-11-22T10:00:00.000Z');

function message(overrides: Partial<MessageProps> = {}): Message {
  return Message.restore({
    id: ID,
    phoneNumber: '+905551111111',
    content: 'hello',
    status: 'unknown',
    attemptCount: 1,
    nextAttemptAt: null,
    gatewayMessageId: null,
    sentAt: null,
    failureReason: 'outcome unknown: no answer from the gateway in time (1000 ms)',
    sendAfter: null,
    expiresAt: null,
    priority: 0,
    replayCount: 0,
    claimToken: 'claim',
    requestStartedAt: STARTED,
    createdAt: STARTED,
    updatedAt: STARTED,
    ...overrides,
  });
}

function attempt(overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    messageId: ID,
    attemptNo: 1,
    at: new Date(STARTED.getTime() + 1_000),
    statusCode: null,
    outcome: 'unknown',
    error: 'no answer from the gateway in time (1000 ms)',
    latencyMs: 1_000,
    ...overrides,
  };
}

describe('inDoubtEvidence', () => {
  it('a timeout: when the request went out, the attempt’s error, and the Idempotency-Key (the message id)', () => {
    const a = attempt();
    expect(inDoubtEvidence(message(), [a])).toEqual({
      wentOutAt: STARTED,
      cause: 'timeout',
      summary: 'Timeout: the gateway did not answer in time',
      error: 'no answer from the gateway in time (1000 ms)',
      attempt: a,
      idempotencyKey: ID,
    });
  });

  it('a dropped connection, read from the attempt, or from the failure reason when the attempt is missing', () => {
    const error = 'connection failed after the request was sent (UND_ERR_SOCKET)';
    expect(inDoubtEvidence(message({ failureReason: `outcome unknown: ${error}` }), [attempt({ error })]).cause).toBe('connection-dropped');
    const alone = inDoubtEvidence(message({ failureReason: `outcome unknown: ${error}` }), []);
    expect(alone).toMatchObject({ cause: 'connection-dropped', error, attempt: null, wentOutAt: STARTED });
  });

  it('a sender that died with the request out: no attempt of this round, whatever attempts came before', () => {
    const earlier = attempt({ outcome: 'retryable', statusCode: 503, error: 'gateway answered 503', at: new Date(STARTED.getTime() - 60_000) });
    const evidence = inDoubtEvidence(message({ failureReason: LEASE_LOST }), [earlier]);
    expect(evidence).toMatchObject({ cause: 'sender-died', attempt: null, wentOutAt: STARTED, error: LEASE_LOST });
    expect(evidence.summary).toContain('Sender died');
  });

  it('ignores an unknown attempt older than this request (before a replay), and falls back to the attempt’s time without requestStartedAt', () => {
    const old = attempt({ at: new Date(STARTED.getTime() - 3_600_000) });
    expect(inDoubtEvidence(message(), [old]).attempt).toBeNull();
    expect(inDoubtEvidence(message({ requestStartedAt: null }), [attempt()]).wentOutAt).toEqual(STARTED);
    expect(inDoubtEvidence(message({ requestStartedAt: null, failureReason: null }), [])).toMatchObject({ wentOutAt: null, cause: 'other', error: null });
  });
});

describe('causeOf', () => {
  it('reads the causes the gateway adapter and the lease sweep write', () => {
    expect(causeOf('no answer from the gateway in time (300 ms)')).toBe('timeout');
    expect(causeOf('connection failed after the request was sent (ECONNRESET)')).toBe('connection-dropped');
    expect(causeOf(LEASE_LOST)).toBe('sender-died');
    expect(causeOf('something else')).toBe('other');
    expect(causeOf(null)).toBe('other');
  });
});

describe('dashboardActor', () => {
  it('names a dashboard session by its label', () => {
    expect(dashboardActor({ label: 'key 0123456789ab · s-abcdef' })).toEqual({ source: 'dashboard', id: 'session:key 0123456789ab · s-abcdef' });
  });
});
