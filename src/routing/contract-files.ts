/**
 * Reading institution and agreement files and validating each against its JSON Schema in
 * `contracts/contract-schemas/`. The schemas ship with the code (they describe what this code
 * understands), so they are read from beside the source, not from the contract set being checked.
 * Compiled validators are cached; nothing else is kept between calls.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { escapePointerToken } from '../json/index.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020Mod from 'ajv/dist/2020.js';
import addFormatsMod from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ContractFault } from './model.js';

export const CONTRACT_SCHEMAS_DIR = fileURLToPath(new URL('../../contracts/contract-schemas/', import.meta.url));

export type ContractKind = 'institution' | 'agreement';

let validators: Record<ContractKind, ValidateFunction> | undefined;

function compiled(): Record<ContractKind, ValidateFunction> {
  if (validators) return validators;
  const ajv = new Ajv2020Mod.default({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  addFormatsMod.default(ajv);
  const load = (name: string) => JSON.parse(readFileSync(join(CONTRACT_SCHEMAS_DIR, name), 'utf8')) as Record<string, unknown>;
  validators = {
    institution: ajv.compile(load('institution.schema.json')),
    agreement: ajv.compile(load('agreement.schema.json')),
  };
  return validators;
}

/** Collects faults from every file so one run reports everything that is wrong. */
export class FaultList {
  readonly list: ContractFault[] = [];
  add(file: string, pointer: string, detail: string): void {
    this.list.push({ file, pointer, detail });
  }
  get size(): number {
    return this.list.length;
  }
}

export interface ContractFile {
  /** relative to the contracts dir, with forward slashes: `agreements/courts-police.json` */
  file: string;
  /** the file name without `.json` */
  stem: string;
  doc: unknown;
}

/** The `.json` files of a sub-folder, sorted by name, parsed. Unparseable files become faults. */
export function readFolder(dir: string, sub: string, faults: FaultList): ContractFile[] {
  const folder = join(dir, sub);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    faults.add(sub, '', `folder ${folder} does not exist`);
    return [];
  }
  const out: ContractFile[] = [];
  for (const name of readdirSync(folder).sort()) {
    if (!name.endsWith('.json')) continue;
    const file = `${sub}/${name}`;
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(join(folder, name), 'utf8'));
    } catch (err) {
      faults.add(file, '', `not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    out.push({ file, stem: name.slice(0, -'.json'.length), doc });
  }
  return out;
}

function describe(e: ErrorObject): { pointer: string; detail: string } {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') {
    const prop = String(p.additionalProperty);
    return { pointer: `${e.instancePath}/${escapePointerToken(prop)}`, detail: `unknown property "${prop}"` };
  }
  if (e.keyword === 'required') {
    return { pointer: e.instancePath, detail: `missing required property "${String(p.missingProperty)}"` };
  }
  if (e.keyword === 'not' && e.schemaPath.endsWith('/then/not')) {
    return { pointer: e.instancePath, detail: 'exists and not-exists take no value' };
  }
  if (e.keyword === 'const') {
    return { pointer: e.instancePath, detail: `must be ${JSON.stringify(p.allowedValue)}` };
  }
  if (e.keyword === 'pattern' && String(p.pattern).startsWith('^(/')) {
    return { pointer: e.instancePath, detail: 'must be a JSON pointer (RFC 6901), e.g. "/subject/juvenile"' };
  }
  if (e.keyword === 'enum') {
    return { pointer: e.instancePath, detail: `must be one of ${JSON.stringify(p.allowedValues)}` };
  }
  return { pointer: e.instancePath, detail: e.message ?? e.keyword };
}

/** Validate against the contract schema; true when valid. */
export function validateFile(kind: ContractKind, f: ContractFile, faults: FaultList): boolean {
  const validate = compiled()[kind];
  if (validate(f.doc)) return true;
  const errors = validate.errors ?? [];
  // an anyOf reports each branch and then itself: say it once, as "one or the other"
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf');
  // ajv lists the branches' errors (at the same instance path) just before the anyOf's own
  const branchOf = (e: ErrorObject) => anyOfs.find((a) => a !== e && a.instancePath === e.instancePath && errors.indexOf(e) < errors.indexOf(a));
  const seen = new Set<string>();
  for (const e of errors) {
    // `if` failures only say which branch to look at; the branch's own errors carry the reason
    if (e.keyword === 'if' || branchOf(e)) continue;
    let d = describe(e);
    if (e.keyword === 'anyOf') {
      const branches = errors.filter((b) => branchOf(b) === e).map((b) => describe(b).detail);
      d = { pointer: e.instancePath, detail: [...new Set(branches)].join(', or ') };
    }
    const key = `${d.pointer}\u0000${d.detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    faults.add(f.file, d.pointer, d.detail);
  }
  return false;
}
