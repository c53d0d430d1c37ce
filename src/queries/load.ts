/**
 * Loading `contracts/queries/<name>.json`: each file parses, validates against
 * contracts/contract-schemas/query.schema.json, and passes the cross-checks against the catalogue
 * (check.ts); every parameter's schema compiles. Like the rest of the contract set, either all of it
 * holds and a frozen set of queries comes back, or every fault is reported as
 * `<file>: <pointer>: <reason>` (QueryContractError) — nothing is loaded half.
 *
 * Side-effect free: reads files, keeps nothing between calls but the compiled contract schema.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020Mod from 'ajv/dist/2020.js';
import addFormatsMod from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Catalogue } from '../schemas/types.js';
import { QueryContractError, type QueryFault } from './errors.js';
import type { QueryContract, QueryParameter } from './contract.js';
import { checkQuery } from './check.js';

const SCHEMA_FILE = fileURLToPath(new URL('../../contracts/contract-schemas/query.schema.json', import.meta.url));

type Ajv = InstanceType<typeof Ajv2020Mod.default>;
const newAjv = (): Ajv => {
  const ajv = new Ajv2020Mod.default({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  addFormatsMod.default(ajv);
  return ajv;
};

let contractValidator: ValidateFunction | undefined;
function validateContract(doc: unknown): ErrorObject[] {
  contractValidator ??= newAjv().compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
  return contractValidator(doc) ? [] : [...(contractValidator.errors ?? [])];
}

function describe(e: ErrorObject): { pointer: string; detail: string } {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') {
    const prop = String(p.additionalProperty);
    return { pointer: `${e.instancePath}/${prop.replace(/~/g, '~0').replace(/\//g, '~1')}`, detail: `unknown property "${prop}"` };
  }
  if (e.keyword === 'required') return { pointer: e.instancePath, detail: `missing required property "${String(p.missingProperty)}"` };
  if (e.keyword === 'enum') return { pointer: e.instancePath, detail: `must be one of ${JSON.stringify(p.allowedValues)}` };
  if (e.keyword === 'const') return { pointer: e.instancePath, detail: `must be ${JSON.stringify(p.allowedValue)}` };
  return { pointer: e.instancePath, detail: e.message ?? e.keyword };
}

interface RawQuery {
  name: string;
  title: string;
  description: string;
  parameters: Array<Omit<QueryParameter, 'required'> & { required?: boolean }>;
  reads: QueryContract['reads'];
  record: {
    key: QueryContract['record']['key'];
    issuer?: 'caller';
    link?: QueryContract['record']['link'];
    having?: Array<{ type: string; when?: QueryContract['record']['having'][number]['when'] }>;
  };
  status: {
    states: QueryContract['status']['states'];
    rules: Array<Omit<QueryContract['status']['rules'][number], 'when'> & { when?: QueryContract['status']['rules'][number]['when'] }>;
    deadlines?: QueryContract['status']['deadlines'];
    period?: QueryContract['status']['period'];
  };
  fields: QueryContract['fields'];
}

function toContract(raw: RawQuery, file: string): QueryContract {
  const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  return {
    name: raw.name,
    title: raw.title,
    description: raw.description,
    parameters: raw.parameters.map((p) => ({ ...copy(p), required: p.required ?? false })),
    reads: copy(raw.reads),
    record: {
      key: raw.record.key,
      ...(raw.record.issuer ? { issuer: raw.record.issuer } : {}),
      link: copy(raw.record.link ?? []),
      having: (raw.record.having ?? []).map((h) => ({ type: h.type, when: copy(h.when ?? []) })),
    },
    status: {
      states: copy(raw.status.states),
      rules: raw.status.rules.map((r) => ({ ...copy(r), when: copy(r.when ?? []) })),
      deadlines: copy(raw.status.deadlines ?? []),
      ...(raw.status.period ? { period: copy(raw.status.period) } : {}),
    },
    fields: copy(raw.fields),
    file,
  };
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export interface QueryInspection {
  queries: Map<string, QueryContract>;
  /** compiled parameter schemas, by query name then parameter name */
  validators: Map<string, Map<string, ValidateFunction>>;
  faults: QueryFault[];
}

/** Read and check every query in `<dir>/queries`; a missing folder is a federation without queries. */
export function inspectQueries(dir: string, catalogue: Catalogue): QueryInspection {
  const root = resolve(dir);
  const folder = join(root, 'queries');
  const out: QueryInspection = { queries: new Map(), validators: new Map(), faults: [] };
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return out;
  const ajv = newAjv();
  for (const name of readdirSync(folder).sort()) {
    if (!name.endsWith('.json')) continue;
    const file = `queries/${name}`;
    const stem = name.slice(0, -'.json'.length);
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(join(folder, name), 'utf8'));
    } catch (err) {
      out.faults.push({ file, pointer: '', detail: `not valid JSON: ${(err as Error).message}` });
      continue;
    }
    const errors = validateContract(doc);
    if (errors.length > 0) {
      const seen = new Set<string>();
      for (const e of errors) {
        if (e.keyword === 'if' || e.keyword === 'anyOf') continue;
        const d = describe(e);
        if (seen.has(d.pointer + d.detail)) continue;
        seen.add(d.pointer + d.detail);
        out.faults.push({ file, ...d });
      }
      continue;
    }
    const q = toContract(doc as RawQuery, file);
    if (out.queries.has(q.name)) {
      out.faults.push({ file, pointer: '/name', detail: `query "${q.name}" is already defined in ${out.queries.get(q.name)!.file}` });
      continue;
    }
    out.faults.push(...checkQuery(catalogue, q, stem));
    const validators = new Map<string, ValidateFunction>();
    q.parameters.forEach((p, i) => {
      try {
        validators.set(p.name, ajv.compile(p.schema));
      } catch (err) {
        out.faults.push({ file, pointer: `/parameters/${i}/schema`, detail: `does not compile: ${(err as Error).message}` });
      }
    });
    out.queries.set(q.name, deepFreeze(q));
    out.validators.set(q.name, validators);
  }
  return out;
}

/** Every fault of the queries in `<dir>/queries`; [] when sound. */
export function checkQueries(dir: string, catalogue: Catalogue): QueryFault[] {
  return inspectQueries(dir, catalogue).faults;
}

/** The request parameters as the URL gives them: a name to one value (or several, which is refused). */
export type QueryParams = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface LoadedQueries {
  /** by name, sorted */
  readonly queries: ReadonlyMap<string, QueryContract>;
  get(name: string): QueryContract | undefined;
  /**
   * Faults of a request's parameters (pointer `/<name>`): unknown, repeated, missing when required,
   * or failing the parameter's schema; [] when they hold. Bounded: at most one fault per parameter.
   */
  parameterFaults(query: QueryContract, params: QueryParams): QueryFault[];
}

/** Load and check the queries of the contracts dir; throws QueryContractError listing every fault. */
export function loadQueries(dir: string, catalogue: Catalogue): LoadedQueries {
  const inspection = inspectQueries(dir, catalogue);
  if (inspection.faults.length > 0) throw new QueryContractError(inspection.faults);
  const queries = new Map([...inspection.queries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return Object.freeze({
    queries,
    get: (name: string) => queries.get(name),
    parameterFaults(query: QueryContract, params: QueryParams): QueryFault[] {
      const faults: QueryFault[] = [];
      const validators = inspection.validators.get(query.name);
      const declared = new Map(query.parameters.map((p) => [p.name, p]));
      for (const name of Object.keys(params)) {
        if (params[name] === undefined || name === 'cursor' || name === 'limit') continue;
        if (!declared.has(name)) faults.push({ pointer: `/${name}`, detail: `unknown parameter; ${query.name} takes ${query.parameters.map((p) => p.name).join(', ') || 'none'}` });
      }
      for (const p of query.parameters) {
        const v = params[p.name];
        if (v === undefined) {
          if (p.required) faults.push({ pointer: `/${p.name}`, detail: 'required parameter is missing' });
          continue;
        }
        if (typeof v !== 'string') {
          faults.push({ pointer: `/${p.name}`, detail: 'given more than once' });
          continue;
        }
        const validate = validators?.get(p.name);
        if (validate && !validate(v)) {
          const e = validate.errors?.[0];
          faults.push({
            pointer: `/${p.name}`,
            detail: e?.keyword === 'pattern' ? `does not have the form ${String((e.params as { pattern: string }).pattern)}` : (e?.message ?? 'does not validate'),
          });
        }
      }
      return faults;
    },
  });
}
