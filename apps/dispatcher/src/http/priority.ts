import { ValidateBy } from 'class-validator';
import { DEFAULT_PRIORITY, MAX_PRIORITY, MIN_PRIORITY, PRIORITY_PROBLEM, priorityProblem } from '@app/domain';

/** A priority as the OpenAPI document states it, wherever one appears (bodies, query, answers). */
export const PRIORITY_SCHEMA = { type: 'integer', minimum: MIN_PRIORITY, maximum: MAX_PRIORITY, default: DEFAULT_PRIORITY } as const;

/**
 * A whole number from MIN_PRIORITY to MAX_PRIORITY, with one message for every way to miss it
 * (IsInt, Min and Max would each add theirs). The batch create checks its items with the same
 * function (parseBatchItem), so an item is refused exactly as a single create would be.
 */
export function IsPriority(): PropertyDecorator {
  return ValidateBy({ name: 'isPriority', validator: { validate: (value) => priorityProblem(value) === null, defaultMessage: () => PRIORITY_PROBLEM } });
}
