/**
 * The one place that builds an ajv instance for the catalogue and turns ajv's errors into faults.
 * Guarantees: draft 2020-12, formats checked (date, date-time, ...), every error reported
 * (`allErrors`), strict mode (unknown keywords and sloppy types refuse the schema), and each fault's
 * pointer names the faulty value itself — for `required` the missing child, for
 * `additionalProperties` the extra property — so a caller can point a user at the exact field.
 */
import Ajv2020Mod from 'ajv/dist/2020.js';
import { escapePointerToken } from '../json/index.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsMod from 'ajv-formats';
import type { Fault } from '../errors.js';
import { UNLOCKED_ANNOTATIONS } from './annotations.js';

export type Ajv = InstanceType<typeof Ajv2020Mod.default>;
export type { ValidateFunction };

export const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/** A validation fault; `keyword` is the JSON Schema keyword that failed (required, pattern, ...). */
export interface SchemaFault extends Fault {
  keyword: string;
}

export function createAjv(): Ajv {
  const ajv = new Ajv2020Mod.default({ allErrors: true, strict: true });
  addFormatsMod.default(ajv);
  // the annotations the catalogue admits at a schema's root (lint.ts): known to ajv, assert nothing
  ajv.addVocabulary(['x-wasla-classification', ...UNLOCKED_ANNOTATIONS]);
  return ajv;
}

function quote(v: unknown): string {
  return JSON.stringify(v);
}

/** Map ajv's errors to faults whose pointers are relative to the validated data. */
export function toFaults(errors: readonly ErrorObject[] | null | undefined): SchemaFault[] {
  if (!errors) return [];
  const faults: SchemaFault[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    let pointer = e.instancePath;
    let detail: string;
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        pointer += '/' + escapePointerToken(String(p.missingProperty));
        detail = `required property ${quote(p.missingProperty)} is missing`;
        break;
      case 'additionalProperties':
        pointer += '/' + escapePointerToken(String(p.additionalProperty));
        detail = `property ${quote(p.additionalProperty)} is not allowed here`;
        break;
      case 'enum':
        detail = `must be one of ${(p.allowedValues as unknown[]).map(quote).join(', ')}`;
        break;
      case 'const':
        detail = `must be ${quote(p.allowedValue)}`;
        break;
      case 'format':
        detail = `must be a valid ${String(p.format)}`;
        break;
      case 'pattern':
        detail = `must match the pattern ${String(p.pattern)}`;
        break;
      case 'type':
        detail = `must be of type ${String(p.type)}`;
        break;
      default:
        detail = e.message ?? `fails ${e.keyword}`;
    }
    // allErrors can report one fault twice (e.g. through a $ref reached from two places)
    const key = `${e.keyword}\u0000${pointer}\u0000${detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    faults.push({ pointer, detail, keyword: e.keyword });
  }
  return faults;
}
