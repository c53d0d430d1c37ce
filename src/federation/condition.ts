/**
 * Conditions on a payload, as agreements write them (grants, targets, expectations); src/routing
 * evaluates them (routing/conditions.ts).
 */
export type ConditionOp = 'equals' | 'not-equals' | 'in' | 'exists' | 'not-exists' | 'lt' | 'lte' | 'gt' | 'gte';

/**
 * A test on the sender's payload (as sent, before translation). A pointer segment `*` walks every
 * element of an array and the condition must hold for all of them (vacuously true for []).
 */
export interface Condition {
  pointer: string;
  op: ConditionOp;
  value?: unknown;
}
