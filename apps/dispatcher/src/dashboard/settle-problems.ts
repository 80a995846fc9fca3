import { MAX_SETTLEMENT_REASON, type ValidationError } from '@app/domain';

/**
 * What a refused settlement form tells the operator, field by field, in the words of the form
 * (SettleMessage's ValidationError names the API's fields). Pure.
 */
const WORDS: Record<string, string> = {
  outcome: 'Choose whether the gateway has the message (sent) or not (failed).',
  reason: `Give a reason, 1 to ${MAX_SETTLEMENT_REASON} characters (not blank): it is kept in the message’s history and the operator log.`,
};

export function settleProblems(error: ValidationError): string[] {
  return error.details.map((violation) => {
    if (violation.field === 'gatewayMessageId') {
      return violation.messages.some((m) => m.includes('only'))
        ? 'A gateway messageId goes only with “sent”: leave it empty to settle as failed.'
        : 'The gateway messageId must be a UUID, e.g. 67f2f8a8-ea58-4ed0-a6f9-ff217df4d849 (or leave it empty).';
    }
    return WORDS[violation.field] ?? violation.messages.join('; ');
  });
}

/** What the form sent, to fill it in again when it is refused. */
export interface SettleFormValues {
  outcome: string;
  reason: string;
  gatewayMessageId: string;
}

/** A refused settlement, shown next to the message's form (and at the top of the page). */
export interface SettleError {
  id: string;
  problems: string[];
  values: SettleFormValues;
}
