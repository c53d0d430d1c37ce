/**
 * Cross-checks of a named query against the message catalogue: every fault its JSON Schema cannot
 * see, each as `{ file, pointer, detail }` with the pointer into the query file. A query that passes
 * cannot read a type the catalogue does not publish, in a major nobody publishes; look records up by
 * a kind no type it reads declares in its index; answer or test a field that no valid message of
 * that type can have; derive a state it does not declare, or declare one it can never derive.
 */
import type { Catalogue } from '../schemas/types.js';
import { readIndexAnnotations, schemaAtPointer, type IndexKind } from '../schemas/index-annotations.js';
import type { QueryFault } from './errors.js';
import { MONTH_PATTERN, type MatchCondition, type QueryContract } from './contract.js';
import { BUILTIN_QUERIES } from './builtins.js';

type Schema = Record<string, unknown>;

/** The latest minor of the pinned major of a type the query reads (what its pointers are written for). */
function pinnedSchema(catalogue: Catalogue, q: QueryContract, type: string): { version: string; schema: Schema } | undefined {
  const read = q.reads.find((r) => r.type === type);
  if (!read) return undefined;
  const latest = catalogue.latest(type, read.major);
  const schema = latest && catalogue.get(type, latest.version);
  return latest && schema ? { version: latest.version, schema } : undefined;
}

/** The index kinds declared by any version, in the pinned major, of the types the query reads. */
export function kindsProvided(catalogue: Catalogue, q: Pick<QueryContract, 'reads'>): Set<IndexKind> {
  const kinds = new Set<IndexKind>();
  for (const ref of catalogue.list()) {
    if (!q.reads.some((r) => r.type === ref.type && r.major === ref.major)) continue;
    const doc = catalogue.get(ref.type, ref.version);
    if (doc) for (const a of readIndexAnnotations(doc)) kinds.add(a.kind);
  }
  return kinds;
}

/** An amount as the catalogue writes it: `{ value: decimal string, currency }`. */
function isAmount(node: Schema): boolean {
  if (node.type !== 'object' || typeof node.properties !== 'object' || node.properties === null) return false;
  const props = node.properties as Record<string, unknown>;
  return 'value' in props && 'currency' in props;
}

export function checkQuery(catalogue: Catalogue, q: QueryContract, stem: string): QueryFault[] {
  const faults: QueryFault[] = [];
  const fault = (pointer: string, detail: string) => faults.push({ file: q.file, pointer, detail });

  if (q.name !== stem) fault('/name', `name "${q.name}" does not match the file name (expected ${q.name}.json)`);
  if (q.name in BUILTIN_QUERIES) fault('/name', `"${q.name}" is a built-in query of the hub; choose another name`);

  // reads
  const readable = new Set<string>();
  q.reads.forEach((r, i) => {
    if (readable.has(r.type)) fault(`/reads/${i}/type`, `${r.type} is read twice`);
    if (!catalogue.has(r.type)) fault(`/reads/${i}/type`, `message type "${r.type}" is not in the catalogue`);
    else if (!catalogue.majors(r.type).includes(r.major)) {
      fault(`/reads/${i}/major`, `${r.type} has no published major ${r.major} (published: ${catalogue.majors(r.type).join(', ')})`);
    } else readable.add(r.type);
  });
  const provided = kindsProvided(catalogue, q);
  const typeOk = (pointer: string, type: string): boolean => {
    if (readable.has(type)) return true;
    fault(pointer, q.reads.some((r) => r.type === type) ? `${type} cannot be read (see /reads)` : `${type} is not among the types this query reads`);
    return false;
  };
  const kindOk = (pointer: string, kind: IndexKind, what: string): void => {
    if (!provided.has(kind)) fault(pointer, `${what} "${kind}", but no type this query reads declares a ${kind} key in its index (x-wasla-index)`);
  };
  /** the subschema a pointer reaches in the pinned major of a type, or a fault */
  const reach = (at: string, type: string, pointer: string): Schema | undefined => {
    const pinned = pinnedSchema(catalogue, q, type);
    if (!pinned) return undefined;
    const node = schemaAtPointer(pinned.schema, pointer);
    if (!node) fault(at, `"${pointer}" does not exist in ${type}@${pinned.version} (array elements are addressed with *)`);
    return node;
  };
  const checkConditions = (at: string, type: string, conds: MatchCondition[]) => {
    conds.forEach((c, i) => {
      const node = reach(`${at}/${i}/pointer`, type, c.pointer);
      if (!node || c.op === 'exists') return;
      const values = c.op === 'in' && Array.isArray(c.value) ? c.value : [c.value];
      for (const v of values) {
        if (Array.isArray(node.enum) && !node.enum.includes(v as never)) {
          fault(`${at}/${i}/value`, `${JSON.stringify(v)} is not a value of ${c.pointer} in ${type} (one of ${node.enum.map((e) => JSON.stringify(e)).join(', ')})`);
        } else if (typeof node.type === 'string' && ['string', 'boolean'].includes(node.type) && typeof v !== node.type) {
          fault(`${at}/${i}/value`, `${JSON.stringify(v)} can never equal ${c.pointer} of ${type}, which is a ${node.type}`);
        }
      }
    });
  };

  // parameters
  const params = new Map(q.parameters.map((p) => [p.name, p]));
  const seenParams = new Set<string>();
  q.parameters.forEach((p, i) => {
    const at = `/parameters/${i}`;
    if (seenParams.has(p.name)) fault(`${at}/name`, `parameter "${p.name}" is declared twice`);
    seenParams.add(p.name);
    if (['cursor', 'limit'].includes(p.name)) fault(`${at}/name`, `"${p.name}" is reserved for pagination`);
    if (p.index) kindOk(`${at}/index`, p.index, 'looks records up by');
    if (p.issuer !== undefined && !p.index) fault(`${at}/issuer`, 'only a parameter with an index kind has an issuer');
    if (typeof p.issuer === 'object') {
      const named = params.get(p.issuer.parameter);
      if (!named) fault(`${at}/issuer/parameter`, `no parameter "${p.issuer.parameter}"`);
      else if (named.index) fault(`${at}/issuer/parameter`, `"${p.issuer.parameter}" looks records up itself; an issuer parameter has no index`);
    }
  });
  if (!q.parameters.some((p) => p.index) && q.record.issuer !== 'caller') {
    fault('/parameters', 'an unbounded query: give it a parameter with an index kind, or scope its records to the caller ("record": { "issuer": "caller" })');
  }

  // record
  kindOk('/record/key', q.record.key, 'answers one record per key of kind');
  q.record.link.forEach((l, i) => {
    kindOk(`/record/link/${i}/kind`, l.kind, 'links by');
    if (l.sharing) kindOk(`/record/link/${i}/sharing`, l.sharing, 'links sharing');
  });
  q.record.having.forEach((h, i) => {
    if (typeOk(`/record/having/${i}/type`, h.type)) checkConditions(`/record/having/${i}/when`, h.type, h.when);
  });

  // status
  const states = new Map<string, number>();
  q.status.states.forEach((s, i) => {
    if (states.has(s.name)) fault(`/status/states/${i}/name`, `state "${s.name}" is declared twice`);
    states.set(s.name, i);
  });
  const derived = new Set<string>();
  const stateOk = (at: string, name: string) => {
    if (!states.has(name)) fault(at, `state "${name}" is not declared in /status/states`);
    derived.add(name);
  };
  const timeOk = (at: string, type: string, pointer: string) => {
    const node = reach(at, type, pointer);
    if (node && !(node.type === 'string' && (node.format === 'date' || node.format === 'date-time'))) {
      fault(at, `"${pointer}" of ${type} is not a date or date-time, so it cannot order messages`);
    }
  };
  q.status.rules.forEach((r, i) => {
    const at = `/status/rules/${i}`;
    stateOk(`${at}/state`, r.state);
    if (!typeOk(`${at}/type`, r.type)) return;
    checkConditions(`${at}/when`, r.type, r.when);
    r.at.forEach((p, j) => timeOk(`${at}/at/${j}`, r.type, p));
    if (r.partial) {
      stateOk(`${at}/partial/state`, r.partial.state);
      const own = reach(`${at}/partial/amount`, r.type, r.partial.amount);
      if (own && !isAmount(own)) fault(`${at}/partial/amount`, `"${r.partial.amount}" of ${r.type} is not an amount { value, currency }`);
      if (typeOk(`${at}/partial/reference/type`, r.partial.reference.type)) {
        const ref = reach(`${at}/partial/reference/amount`, r.partial.reference.type, r.partial.reference.amount);
        if (ref && !isAmount(ref)) {
          fault(`${at}/partial/reference/amount`, `"${r.partial.reference.amount}" of ${r.partial.reference.type} is not an amount { value, currency }`);
        }
      }
    }
  });
  q.status.deadlines.forEach((d, i) => {
    const at = `/status/deadlines/${i}`;
    stateOk(`${at}/state`, d.state);
    if (typeOk(`${at}/type`, d.type)) timeOk(`${at}/at`, d.type, d.at);
    if (!q.status.rules.some((r) => r.type === d.type)) fault(`${at}/type`, `no rule counts ${d.type}, so its deadline can never pass`);
  });
  for (const [name, i] of states) {
    if (!derived.has(name)) fault(`/status/states/${i}`, `state "${name}" is never derived by a rule or a deadline`);
  }
  if (q.status.period) {
    const p = params.get(q.status.period.parameter);
    if (!p) fault('/status/period/parameter', `no parameter "${q.status.period.parameter}"`);
    else if (p.index) fault('/status/period/parameter', `"${p.name}" looks records up; a period parameter has no index`);
    else if (p.schema.pattern !== MONTH_PATTERN) fault('/status/period/parameter', `"${p.name}" must take a month: give its schema the pattern ${MONTH_PATTERN}`);
    q.status.period.types.forEach((t, i) => typeOk(`/status/period/types/${i}`, t));
  }

  // fields
  const names = new Set<string>();
  q.fields.forEach((f, i) => {
    if (names.has(f.name)) fault(`/fields/${i}/name`, `field "${f.name}" is declared twice`);
    names.add(f.name);
    f.from.forEach((src, j) => {
      if (typeOk(`/fields/${i}/from/${j}/type`, src.type)) reach(`/fields/${i}/from/${j}/pointer`, src.type, src.pointer);
    });
  });
  return faults;
}
