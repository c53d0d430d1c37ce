/**
 * A named query as loaded from `contracts/queries/<name>.json` (validated by
 * contracts/contract-schemas/query.schema.json and checked against the catalogue by check.ts).
 * Immutable data; everything that runs a query reads it and nothing else.
 */
import type { IndexKind } from '../schemas/index-annotations.js';

export interface QueryParameter {
  name: string;
  description: string;
  /** the JSON Schema of the value (a bounded string) */
  schema: Record<string, unknown>;
  required: boolean;
  /** the index kind this parameter looks records up by; absent: a filter (a period) or an issuer */
  index?: IndexKind;
  /** for a number unique within its issuer: the caller's own, or the parameter naming the issuer */
  issuer?: 'caller' | { parameter: string };
}

export interface ReadType {
  type: string;
  /** the major the query's pointers are written for; messages of other majors are translated to it */
  major: number;
}

/** A test on a payload. With `*` in the pointer it holds when any reached value passes. */
export interface MatchCondition {
  pointer: string;
  op: 'equals' | 'in' | 'exists';
  value?: unknown;
}

export interface MessageMatch {
  type: string;
  when: MatchCondition[];
}

export interface RecordLink {
  kind: IndexKind;
  sharing?: IndexKind;
}

export interface RecordDef {
  key: IndexKind;
  issuer?: 'caller';
  link: RecordLink[];
  having: MessageMatch[];
}

export interface StateDef {
  name: string;
  /** precedence: a higher rank decides whatever the time; equal ranks go by business time */
  rank: number;
  description: string;
}

export interface PartialRule {
  /** pointer to an amount `{ value, currency }` in the message */
  amount: string;
  reference: { type: string; amount: string };
  state: string;
}

export interface StatusRule extends MessageMatch {
  state: string;
  /** business-time pointers, first present wins; the envelope's time when none is */
  at: string[];
  partial?: PartialRule;
}

export interface Deadline {
  type: string;
  at: string;
  state: string;
}

export interface Lifecycle {
  states: StateDef[];
  rules: StatusRule[];
  deadlines: Deadline[];
  period?: { parameter: string; types: string[] };
}

export interface AnswerField {
  name: string;
  description: string;
  from: Array<{ type: string; pointer: string }>;
}

export interface QueryContract {
  name: string;
  title: string;
  description: string;
  parameters: QueryParameter[];
  reads: ReadType[];
  record: RecordDef;
  status: Lifecycle;
  fields: AnswerField[];
  /** the file it came from, relative to the contracts dir */
  file: string;
}

/** The month a period parameter takes: `YYYY-MM`. */
export const MONTH_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])$';
