import { DEFAULT_PRIORITY, type FieldViolation, MessageContent, PhoneNumber, priorityProblem } from '@app/domain';

/** The fields of a message to create, as a request gives them (dates already parsed). */
export interface MessageFields {
  phoneNumber: string;
  content: string;
  sendAfter?: Date | null;
  expiresAt?: Date | null;
  /** Null or left out: DEFAULT_PRIORITY. */
  priority?: number | null;
}

/**
 * Every rule a new message must meet, one violation per broken rule, in field order; empty when
 * the message may be created. The single create and each item of a batch go through this one
 * function, so an item of a batch is refused exactly as the same message alone would be.
 */
export function newMessageViolations(fields: MessageFields, now: Date, maxContentLength: number): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const add = (field: string, problem: string | null) => {
    if (problem) violations.push({ field, messages: [problem] });
  };
  add('phoneNumber', PhoneNumber.problem(fields.phoneNumber));
  add('content', MessageContent.problem(fields.content, maxContentLength));
  // A second line of defence: the HTTP edge takes RFC 3339 date-times only, but any other caller
  // could pass an Invalid Date (new Date("2026-W47")), which must be a 400 here, not a 500 later.
  const sendAfterValid = !fields.sendAfter || !Number.isNaN(fields.sendAfter.getTime());
  const expiresAtValid = !fields.expiresAt || !Number.isNaN(fields.expiresAt.getTime());
  if (!sendAfterValid) add('sendAfter', 'sendAfter must be an ISO-8601 date-time');
  if (!expiresAtValid) add('expiresAt', 'expiresAt must be an ISO-8601 date-time');
  if (fields.expiresAt && expiresAtValid) {
    if (fields.expiresAt.getTime() <= now.getTime()) add('expiresAt', 'expiresAt must be in the future');
    if (fields.sendAfter && sendAfterValid && fields.expiresAt.getTime() <= fields.sendAfter.getTime())
      add('expiresAt', 'expiresAt must be later than sendAfter');
  }
  if (fields.priority !== undefined && fields.priority !== null) add('priority', priorityProblem(fields.priority));
  return violations;
}

/** The priority a new message gets. */
export function priorityOf(fields: MessageFields): number {
  return fields.priority ?? DEFAULT_PRIORITY;
}

/**
 * The fields as plain JSON values, for fingerprints: equal exactly when two requests ask for the
 * same message. The default priority adds nothing, so that a request without one (or with 0) has
 * the fingerprint it had before priorities existed: a retry across the upgrade is still a retry.
 */
export function canonicalFields(fields: MessageFields): (string | number | null)[] {
  const canonical: (string | number | null)[] = [fields.phoneNumber, fields.content, iso(fields.sendAfter), iso(fields.expiresAt)];
  const priority = priorityOf(fields);
  if (priority !== DEFAULT_PRIORITY) canonical.push(priority);
  return canonical;
}

function iso(date: Date | null | undefined): string | null {
  if (!date) return null;
  return Number.isNaN(date.getTime()) ? 'Invalid Date' : date.toISOString();
}
