/**
 * Query grants: which institution may run which query, seeing which answer fields, cleared for
 * which classes (issue 24.2). Agreements say it in their `queries` list, each entry a query name or
 * an object (docs/proposals/query-grants.md):
 *
 *   "queries": [{ "institution": "ps.mot", "queries": [
 *       "message-status",
 *       { "name": "traffic-fines", "fields": ["fineNumber", "amount", "dueBy", "paidAt"] }
 *   ] }]
 *
 * Deny by default, at every level: an institution runs only a query an agreement in force grants it
 * (by id or pattern); a case query answered under a name alone gives the status and the record's
 * key, and no field; an answer field reaches it only if a grant lists it; a juvenile or gbv message
 * counts only through a grant that clears that class AND an institution that holds the clearance.
 * Each agreement's grant is kept apart (a scope): a field one agreement grants is never shown from
 * a message only another agreement's clearance lets through.
 */
import type { QueryFault } from './errors.js';
import type { QueryContract } from './contract.js';
import { BUILTIN_QUERIES, isBuiltinQuery } from './builtins.js';

export type Clearance = 'juvenile' | 'gbv';
const CLEARANCES: readonly Clearance[] = ['juvenile', 'gbv'];

/** A query grant entry as an agreement file may write it. */
export type RawGrantEntry = string | { name: string; fields?: string[]; clearances?: string[] };

/** The part of an agreement this module reads. */
export interface AgreementQueryGrants {
  id: string;
  validFrom?: string;
  validUntil?: string;
  queries: ReadonlyArray<{ institution: string; queries: readonly RawGrantEntry[] }>;
  /** the agreement's file, relative to the contracts dir (for faults) */
  file?: string;
}

/** What one agreement grants one institution for one query. */
export interface GrantScope {
  agreement: string;
  /** answer fields it may see; [] = the status and the record's key only */
  fields: readonly string[];
  /** classes beyond public/restricted it may see: the grant's clearances the institution holds */
  clearances: readonly Clearance[];
}

/** Everything that lets a caller run a query now; undefined from grantFor when nothing does. */
export interface CallerGrant {
  query: string;
  institution: string;
  scopes: readonly GrantScope[];
}

export interface Caller {
  id: string;
  /** the clearances the institution file gives it */
  clearances: readonly string[];
}

/** Institution id patterns as agreements write them: `*` one segment, `**` one or more. */
export function matchesInstitution(pattern: string, id: string): boolean {
  const p = pattern.split('.');
  const s = id.split('.');
  const go = (i: number, j: number): boolean => {
    if (i === p.length) return j === s.length;
    if (j === s.length) return false;
    if (p[i] === '**') {
      for (let k = j + 1; k <= s.length; k++) if (go(i + 1, k)) return true;
      return false;
    }
    return (p[i] === '*' || p[i] === s[j]) && go(i + 1, j + 1);
  };
  return go(0, 0);
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** An agreement's window: a date covers its whole UTC day (as routing reads it). */
export function agreementInForce(a: Pick<AgreementQueryGrants, 'validFrom' | 'validUntil'>, now: Date): boolean {
  const t = now.getTime();
  if (a.validFrom !== undefined && t < Date.parse(DATE_ONLY.test(a.validFrom) ? `${a.validFrom}T00:00:00Z` : a.validFrom)) return false;
  if (a.validUntil !== undefined) {
    const end = DATE_ONLY.test(a.validUntil) ? Date.parse(`${a.validUntil}T00:00:00Z`) + 86_400_000 - 1 : Date.parse(a.validUntil);
    if (t > end) return false;
  }
  return true;
}

function entryName(e: RawGrantEntry): string | undefined {
  return typeof e === 'string' ? e : typeof e === 'object' && e !== null && typeof e.name === 'string' ? e.name : undefined;
}

/** The names of the queries (case queries and built-ins) an institution may run now, sorted. */
export function grantedQueries(agreements: Iterable<AgreementQueryGrants>, caller: Pick<Caller, 'id'>, now: Date): string[] {
  const names = new Set<string>();
  for (const a of agreements) {
    if (!agreementInForce(a, now)) continue;
    for (const g of a.queries) {
      if (!matchesInstitution(g.institution, caller.id)) continue;
      for (const e of g.queries) {
        const n = entryName(e);
        if (n) names.add(n);
      }
    }
  }
  return [...names].sort();
}

/**
 * What lets `caller` run `query` now: one scope per agreement in force that grants it (several
 * entries of one agreement merge into its scope). Undefined: deny.
 */
export function grantFor(agreements: Iterable<AgreementQueryGrants>, caller: Caller, query: string, now: Date): CallerGrant | undefined {
  const scopes: GrantScope[] = [];
  for (const a of agreements) {
    if (!agreementInForce(a, now)) continue;
    let fields: Set<string> | undefined;
    let clearances: Set<Clearance> | undefined;
    for (const g of a.queries) {
      if (!matchesInstitution(g.institution, caller.id)) continue;
      for (const e of g.queries) {
        if (entryName(e) !== query) continue;
        fields ??= new Set();
        clearances ??= new Set();
        if (typeof e === 'object') {
          for (const f of e.fields ?? []) fields.add(f);
          for (const c of e.clearances ?? []) if ((CLEARANCES as readonly string[]).includes(c) && caller.clearances.includes(c)) clearances.add(c as Clearance);
        }
      }
    }
    if (fields && clearances) scopes.push({ agreement: a.id, fields: [...fields].sort(), clearances: [...clearances].sort() });
  }
  return scopes.length > 0 ? { query, institution: caller.id, scopes } : undefined;
}

/**
 * Faults of the query grants of a contract set: an unknown query, a built-in given fields or
 * clearances, a field the query does not answer, a clearance that is not a class or that an
 * institution the grant reaches does not hold, an entry that is not a name or `{ name, fields?,
 * clearances? }`, a query granted twice in one list. Pointers are into the agreement file.
 */
export function checkQueryGrants(
  agreements: Iterable<AgreementQueryGrants>,
  queries: ReadonlyMap<string, Pick<QueryContract, 'name' | 'fields'>>,
  institutions: ReadonlyMap<string, { clearances: readonly string[] }>,
): QueryFault[] {
  const faults: QueryFault[] = [];
  for (const a of agreements) {
    const file = a.file ?? `agreements/${a.id}.json`;
    a.queries.forEach((g, gi) => {
      const reached = [...institutions.entries()].filter(([id]) => matchesInstitution(g.institution, id));
      const seen = new Set<string>();
      g.queries.forEach((e, ei) => {
        const at = `/queries/${gi}/queries/${ei}`;
        const fault = (pointer: string, detail: string) => faults.push({ file, pointer, detail });
        if (typeof e !== 'string' && (typeof e !== 'object' || e === null || Array.isArray(e))) {
          fault(at, 'must be a query name or { "name", "fields"?, "clearances"? }');
          return;
        }
        const name = entryName(e);
        if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
          fault(typeof e === 'string' ? at : `${at}/name`, 'must be a query name (lower-case words joined by "-")');
          return;
        }
        if (typeof e === 'object') {
          for (const k of Object.keys(e)) if (!['name', 'fields', 'clearances'].includes(k)) fault(`${at}/${k}`, `unknown property "${k}"`);
        }
        if (seen.has(name)) fault(at, `${name} is granted twice in this list`);
        seen.add(name);
        if (isBuiltinQuery(name)) {
          if (typeof e === 'object' && (e.fields !== undefined || e.clearances !== undefined)) {
            fault(at, `${name} is answered by ${BUILTIN_QUERIES[name].route} under the agreement that carried the message; it takes no fields or clearances: grant it by name`);
          }
          return;
        }
        const q = queries.get(name);
        if (!q) {
          fault(typeof e === 'string' ? at : `${at}/name`, `no query "${name}" in contracts/queries (nor a built-in: ${Object.keys(BUILTIN_QUERIES).join(', ')})`);
          return;
        }
        if (typeof e === 'string') return;
        const answerable = new Set(q.fields.map((f) => f.name));
        if (e.fields !== undefined && !Array.isArray(e.fields)) fault(`${at}/fields`, 'must be an array of answer field names');
        (Array.isArray(e.fields) ? e.fields : []).forEach((f, fi) => {
          if (typeof f !== 'string' || !answerable.has(f)) {
            fault(`${at}/fields/${fi}`, `${JSON.stringify(f)} is not a field ${name} answers (${[...answerable].join(', ')})`);
          } else if (e.fields!.indexOf(f) !== fi) fault(`${at}/fields/${fi}`, `"${f}" is listed twice`);
        });
        if (e.clearances !== undefined && !Array.isArray(e.clearances)) fault(`${at}/clearances`, 'must be an array of classes: juvenile, gbv');
        (Array.isArray(e.clearances) ? e.clearances : []).forEach((c, ci) => {
          if (!(CLEARANCES as readonly string[]).includes(c)) {
            fault(`${at}/clearances/${ci}`, `${JSON.stringify(c)} is not a class a grant can clear (juvenile, gbv)`);
            return;
          }
          const uncleared = reached.filter(([, i]) => !i.clearances.includes(c)).map(([id]) => id);
          if (uncleared.length > 0) fault(`${at}/clearances/${ci}`, `${uncleared.join(', ')} not cleared for ${c}, but this grant clears it`);
        });
      });
    });
  }
  return faults;
}
