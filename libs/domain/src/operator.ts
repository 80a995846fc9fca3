import type { FieldViolation } from './errors.js';

/**
 * Operators and what they do by hand: who acted (an Actor), the operator log's entries, and the
 * manual settlement of a message in doubt. The API and the dashboard pass an actor to the use
 * cases that change state; the log keeps one entry per start, stop, replay and settlement.
 */

/** Where an operator acted from. */
export const ACTOR_SOURCES = ['api', 'dashboard'] as const;
export type ActorSource = (typeof ACTOR_SOURCES)[number];

/**
 * Who did something: the API names a caller by a digest of its key (`key:<12 hex>`, never the key),
 * the dashboard by its session (`session:<label>`).
 */
export interface Actor {
  source: ActorSource;
  id: string;
}

/** The actor recorded when a caller names none (a caller older than the operator log, or a test). */
export const UNNAMED_ACTOR: Actor = { source: 'api', id: 'unnamed' };

/** What the operator log records. */
export const OPERATOR_ACTIONS = ['start', 'stop', 'replay', 'settle'] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

/** Free-form facts of one entry (the replay's filter, the settled outcome and reason, the message id). */
export type OperatorLogDetail = Record<string, unknown>;

/** One entry of the operator log, as written. */
export interface NewOperatorLogEntry {
  actor: Actor;
  action: OperatorAction;
  /** Messages the action changed (0 for start and stop). */
  messageCount: number;
  detail: OperatorLogDetail;
}

/** One entry of the operator log, as kept: numbered in the order written, timed by the database's clock. */
export interface OperatorLogEntry extends NewOperatorLogEntry {
  id: number;
  at: Date;
}

/** Outcomes an operator can settle a message in doubt with. */
export const SETTLEMENT_OUTCOMES = ['sent', 'failed'] as const;
export type SettlementOutcome = (typeof SETTLEMENT_OUTCOMES)[number];

/** Longest reason an operator may give for a settlement, in characters (code points). */
export const MAX_SETTLEMENT_REASON = 500;

/** The prefix of the failure reason of a message settled as failed by an operator. */
export const SETTLED_BY_OPERATOR = 'settled by operator';

/** An operator's decision about a message in doubt: the gateway has it (sent) or not (failed), and why they think so. */
export interface Settlement {
  outcome: SettlementOutcome;
  reason: string;
  /** The gateway's messageId, when the operator knows it; only with `sent`. */
  gatewayMessageId?: string | null;
}

/** A settlement as the message's history keeps it. */
export interface DecisionRecord {
  at: Date;
  actor: Actor;
  outcome: SettlementOutcome;
  reason: string;
  gatewayMessageId: string | null;
  /** The failure reason the message had while in doubt: what happened to its request. */
  previousReason: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Every rule a settlement must meet, one violation per field (empty when it may be recorded): an
 * outcome of SETTLEMENT_OUTCOMES; a reason of 1 to MAX_SETTLEMENT_REASON characters that is not
 * blank and holds no NUL; a gatewayMessageId only with `sent`, and then a UUID.
 */
export function settlementViolations(settlement: Settlement): FieldViolation[] {
  const violations: FieldViolation[] = [];
  if (!(SETTLEMENT_OUTCOMES as readonly string[]).includes(settlement.outcome)) {
    violations.push({ field: 'outcome', messages: [`outcome must be one of ${SETTLEMENT_OUTCOMES.join(', ')}`] });
  }
  const reason = settlement.reason;
  if (typeof reason !== 'string' || reason.trim().length === 0 || reason.includes('\u0000') || [...reason].length > MAX_SETTLEMENT_REASON) {
    violations.push({ field: 'reason', messages: [`reason must be 1 to ${MAX_SETTLEMENT_REASON} characters, not blank, without NUL`] });
  }
  const gatewayMessageId = settlement.gatewayMessageId ?? null;
  if (gatewayMessageId !== null) {
    if (settlement.outcome !== 'sent') violations.push({ field: 'gatewayMessageId', messages: ['gatewayMessageId may only be given with outcome sent'] });
    else if (typeof gatewayMessageId !== 'string' || !UUID.test(gatewayMessageId)) {
      violations.push({ field: 'gatewayMessageId', messages: ['gatewayMessageId must be a UUID'] });
    }
  }
  return violations;
}
