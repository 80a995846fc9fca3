/**
 * How urgent a message is: the claim takes the highest priority first, and the oldest first within
 * one. It decides only which due messages a tick takes; the cadence and every guarantee stay as
 * they are. 0 is the default (and what a plain SQL insert gets); negative values put bulk work
 * (campaigns) below it, positive values put urgent work (one-time passwords) above it, and the
 * width leaves room to add a lane between two existing ones. The database checks the same range.
 */
export const MIN_PRIORITY = -100;
export const MAX_PRIORITY = 100;
export const DEFAULT_PRIORITY = 0;

/** The one wording of the rule, for the API's validation and the domain's alike. */
export const PRIORITY_PROBLEM = `priority must be a whole number from ${MIN_PRIORITY} to ${MAX_PRIORITY}`;

/** Why `value` is not a priority, or null when it is. */
export function priorityProblem(value: unknown): string | null {
  return Number.isInteger(value) && (value as number) >= MIN_PRIORITY && (value as number) <= MAX_PRIORITY ? null : PRIORITY_PROBLEM;
}

/** Pending messages of one priority. */
export interface PriorityCount {
  priority: number;
  pending: number;
}
