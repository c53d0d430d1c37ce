/**
 * The answer to a query, projected to what the caller's grant allows (issue 24.2, 24.3).
 *
 * For each record (a key and the messages the index gathered for it), in this order:
 * 1. Keep only the messages of a type the query reads whose classification some scope of the grant
 *    clears (public and restricted need none; juvenile and gbv need a scope cleared for them). The
 *    others are dropped entirely, before anything else looks at the record.
 * 2. Translate each kept message to the major the query reads it in; one that cannot be is dropped.
 * 3. A record none of whose kept messages matches the query's `having` is not answered; nor is one
 *    whose kept messages derive no status (derive.ts).
 * 4. The status, the key (without a value for kinds that identify a person), each answer field
 *    from the message latest in derivation order that carries it AND is seen through a scope that
 *    grants the field, and the history of the kept messages (id, type, version, business time,
 *    the state each stands for).
 *
 * Guarantees (property-tested): an answer holds no field outside the union of the grant's fields,
 * and no message, in its history or behind its status or fields, that the grant does not clear —
 * the answer for a record is the same as if the uncleared messages had never existed. Pure.
 */
import type { Catalogue } from '../schemas/types.js';
import type { Classification } from '../federation/index.js';
import type { QueryContract } from './contract.js';
import { countMessages, deriveStatus, matches, type DeriveContext, type StoredMessage } from './derive.js';
import { valuesAt } from '../json/index.js';
import type { CallerGrant, GrantScope } from './grants.js';
import { PERSONAL_KINDS, type IndexRow } from './index-keys.js';

/** A record as the index resolved it: its key, and every message gathered for it (as stored). */
export interface RecordHistory {
  key: IndexRow;
  messages: readonly StoredMessage[];
}

export interface AnswerContext extends DeriveContext {
  /** translates a message to the major the query reads */
  catalogue: Pick<Catalogue, 'translate'>;
}

export interface AnswerRecord {
  key: { kind: IndexRow['kind']; issuer?: string; value?: string };
  status: { state: string; description: string; at: string };
  fields: Record<string, unknown>;
  history: Array<{ id: string; type: string; version: string; at: string; state?: string }>;
}

/** Whether a scope lets a message of this class through. */
export function scopeClears(scope: Pick<GrantScope, 'clearances'>, classification: Classification): boolean {
  if (classification === 'juvenile' || classification === 'gbv') return scope.clearances.includes(classification);
  return classification === 'public' || classification === 'restricted';
}

/** The classes a grant may see: what the index may be asked for (public and restricted always). */
export function clearedClasses(grant: Pick<CallerGrant, 'scopes'>): Classification[] {
  const out = new Set<Classification>(['public', 'restricted']);
  for (const s of grant.scopes) for (const c of s.clearances) out.add(c);
  return [...out].sort();
}

function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

/** Kept messages (step 1 and 2), each in the query's major; the grant's fields each may show. */
function keep(query: QueryContract, grant: CallerGrant, messages: readonly StoredMessage[], ctx: AnswerContext): Array<{ message: StoredMessage; fields: Set<string> }> {
  const out: Array<{ message: StoredMessage; fields: Set<string> }> = [];
  const seen = new Set<string>();
  for (const m of messages) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    const read = query.reads.find((r) => r.type === m.type);
    if (!read) continue;
    const scopes = grant.scopes.filter((s) => scopeClears(s, m.classification));
    if (scopes.length === 0) continue;
    let message = m;
    if (majorOf(m.version) !== read.major) {
      try {
        const t = ctx.catalogue.translate(m.type, m.version, read.major, m.data);
        message = { ...m, version: t.version, data: t.data };
      } catch {
        continue; // a message the query's major cannot carry says nothing in it
      }
    }
    out.push({ message, fields: new Set(scopes.flatMap((s) => s.fields)) });
  }
  return out;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** The answer for one record, or undefined when the caller may see nothing of it. */
export function answerRecord(query: QueryContract, grant: CallerGrant, record: RecordHistory, ctx: AnswerContext): AnswerRecord | undefined {
  const kept = keep(query, grant, record.messages, ctx);
  const messages = kept.map((k) => k.message);
  if (query.record.having.length > 0 && !messages.some((m) => query.record.having.some((h) => matches(h, m)))) return undefined;
  const status = deriveStatus(query, messages, ctx);
  if (!status) return undefined;

  const allowed = new Map(kept.map((k) => [k.message.id, k.fields]));
  const counted = countMessages(query, messages, ctx);
  const fields: Record<string, unknown> = {};
  for (const f of query.fields) {
    // latest in derivation order first
    for (let i = counted.length - 1; i >= 0; i--) {
      const m = counted[i].message;
      if (!allowed.get(m.id)?.has(f.name)) continue;
      const src = f.from.find((s) => s.type === m.type && valuesAt(m.data, s.pointer).length > 0);
      if (!src) continue;
      const values = valuesAt(m.data, src.pointer);
      Object.defineProperty(fields, f.name, { value: clone(src.pointer.includes('/*') ? values : values[0]), enumerable: true, writable: true, configurable: true });
      break;
    }
  }

  const description = query.status.states.find((s) => s.name === status.state)?.description ?? '';
  const key: AnswerRecord['key'] = { kind: record.key.kind };
  if (record.key.issuer !== '') key.issuer = record.key.issuer;
  if (!PERSONAL_KINDS.has(record.key.kind)) key.value = record.key.value;
  const history = counted
    .map((c) => ({ id: c.message.id, type: c.message.type, version: c.message.version, at: c.at, ...(c.state ? { state: c.state } : {}), time: c.time }))
    .sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(({ time: _time, ...h }) => h);
  return { key, status: { state: status.state, description, at: status.at }, fields, history };
}

/** The answers for a page of records, in the order given, leaving out those the caller may not see. */
export function answerRecords(query: QueryContract, grant: CallerGrant, records: readonly RecordHistory[], ctx: AnswerContext): AnswerRecord[] {
  const out: AnswerRecord[] = [];
  for (const r of records) {
    const a = answerRecord(query, grant, r, ctx);
    if (a) out.push(a);
  }
  return out;
}
