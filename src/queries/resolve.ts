/**
 * From parameters to records, through the case index only (issue 24.4): the port the store
 * implements (a handful of index range scans and primary-key reads, never a scan of messages), and
 * the walk over it that gathers one page of records with their messages.
 *
 * The walk, for a page:
 * 1. `recordKeys`: the keys of the record kind carried by messages that carry every lookup key
 *    (and, for a query scoped to the caller, issued by it), in (issuer, value) order after the
 *    cursor's position; one more than the page asks, to know whether another page follows.
 * 2. `find`: the messages carrying each of those keys, same value and same issuer.
 * 3. For each `link` of the query, in order: the values of that kind the record's messages carry;
 *    the messages carrying one of them, from the same issuer or naming none; with `sharing`, only
 *    those that also share a value of that kind with the record.
 * 4. `load`: the messages themselves, by id.
 * Every request to the port carries the message types the query reads and the classifications the
 * caller is cleared for, so an uncleared message is never found, never makes a record exist and
 * never links another in. Bounded: the page size and `maxMessagesPerRecord` cap every request; a
 * record that reaches the cap is answered from what fits, and the page says so (`truncated`).
 */
import type { Classification } from '../federation/index.js';
import type { IndexKind } from '../schemas/index-annotations.js';
import type { QueryContract } from './contract.js';
import type { StoredMessage } from './derive.js';
import type { RecordHistory } from './answer.js';
import type { IndexRow } from './index-keys.js';

/** A row of the index with the message that carries it. */
export interface IndexHit extends IndexRow {
  messageId: string;
}

/** A value to look up; without issuer, from any issuer (or none). */
export interface Lookup {
  kind: IndexKind;
  value: string;
  issuer?: string;
  /** other forms of the same value that match too: a plate keyed in an encrypted message's rows (index-keys.ts SEALED_KEYED_KINDS) */
  also?: readonly string[];
}

export interface IndexFilter {
  /** only messages of these types */
  types: readonly string[];
  /** only messages of these classifications */
  classifications: readonly Classification[];
}

export interface RecordKeysRequest extends IndexFilter {
  /** every one must be carried by the same message (none: records scoped by issuer only) */
  lookups: readonly Lookup[];
  recordKind: IndexKind;
  /** only record keys from this issuer */
  recordIssuer?: string;
  /** strictly after this (issuer, value), in (issuer, value) order */
  after?: { issuer: string; value: string };
  limit: number;
}

/** What the store gives the query core: index range scans and reads by primary key. */
export interface IndexPort {
  /** distinct record keys, ascending by (issuer, value) — see RecordKeysRequest */
  recordKeys(req: RecordKeysRequest): Promise<IndexRow[]>;
  /** the rows matching any of `keys` (issuer absent in a key: any issuer), on filtered messages; at most `limit` */
  find(req: IndexFilter & { keys: readonly Lookup[]; limit: number }): Promise<IndexHit[]>;
  /** the rows of these kinds that these messages carry */
  keysOf(req: { messageIds: readonly string[]; kinds: readonly IndexKind[] }): Promise<IndexHit[]>;
  /** the messages, as stored (any missing id is left out) */
  load(ids: readonly string[]): Promise<StoredMessage[]>;
}

export interface ResolveRequest {
  query: QueryContract;
  lookups: readonly Lookup[];
  recordIssuer?: string;
  classifications: readonly Classification[];
  after?: { issuer: string; value: string };
  limit: number;
  maxMessagesPerRecord: number;
}

export interface ResolvedPage {
  records: RecordHistory[];
  /** the last record key of this page when another page follows */
  next?: IndexRow;
  /** some record reached maxMessagesPerRecord */
  truncated: boolean;
}

const rowKey = (r: { kind: string; issuer: string; value: string }) => `${r.kind}\u0000${r.issuer}\u0000${r.value}`;

export async function resolveRecords(port: IndexPort, req: ResolveRequest): Promise<ResolvedPage> {
  const filter: IndexFilter = { types: req.query.reads.map((r) => r.type), classifications: req.classifications };
  const found = await port.recordKeys({
    ...filter,
    lookups: req.lookups,
    recordKind: req.query.record.key,
    ...(req.recordIssuer !== undefined ? { recordIssuer: req.recordIssuer } : {}),
    ...(req.after ? { after: req.after } : {}),
    limit: req.limit + 1,
  });
  const keys = found.slice(0, req.limit);
  const next = found.length > req.limit ? keys[keys.length - 1] : undefined;
  if (keys.length === 0) return { records: [], truncated: false };

  const cap = req.maxMessagesPerRecord * keys.length;
  let truncated = false;
  /** record index -> its message ids */
  const members = keys.map(() => new Set<string>());
  const byKey = new Map(keys.map((k, i) => [rowKey(k), i]));
  const hits = await port.find({ ...filter, keys: keys.map((k) => ({ kind: k.kind, value: k.value, issuer: k.issuer })), limit: cap });
  if (hits.length >= cap) truncated = true;
  for (const h of hits) {
    const i = byKey.get(rowKey(h));
    if (i !== undefined && members[i].size < req.maxMessagesPerRecord) members[i].add(h.messageId);
  }

  for (const link of req.query.record.link) {
    const kinds = link.sharing ? [link.kind, link.sharing] : [link.kind];
    const own = await port.keysOf({ messageIds: [...new Set(members.flatMap((m) => [...m]))], kinds });
    const ownOf = new Map<string, IndexHit[]>();
    for (const h of own) ownOf.set(h.messageId, [...(ownOf.get(h.messageId) ?? []), h]);
    const perRecord = members.map((ids) => [...ids].flatMap((id) => ownOf.get(id) ?? []));
    const values = [...new Set(perRecord.flatMap((rows) => rows.filter((r) => r.kind === link.kind).map((r) => r.value)))];
    if (values.length === 0) continue;
    const candidates = await port.find({ ...filter, keys: values.map((value) => ({ kind: link.kind, value })), limit: cap });
    if (candidates.length >= cap) truncated = true;
    const sharedOf = new Map<string, Set<string>>();
    if (link.sharing) {
      const rows = await port.keysOf({ messageIds: [...new Set(candidates.map((c) => c.messageId))], kinds: [link.sharing] });
      for (const r of rows) sharedOf.set(r.messageId, (sharedOf.get(r.messageId) ?? new Set()).add(r.value));
    }
    perRecord.forEach((rows, i) => {
      const linkKeys = rows.filter((r) => r.kind === link.kind);
      const shared = new Set(rows.filter((r) => r.kind === link.sharing).map((r) => r.value));
      for (const c of candidates) {
        if (members[i].has(c.messageId)) continue;
        if (!linkKeys.some((k) => k.value === c.value && (k.issuer === c.issuer || k.issuer === '' || c.issuer === ''))) continue;
        if (link.sharing && ![...(sharedOf.get(c.messageId) ?? [])].some((v) => shared.has(v))) continue;
        if (members[i].size >= req.maxMessagesPerRecord) {
          truncated = true;
          break;
        }
        members[i].add(c.messageId);
      }
    });
  }

  const loaded = await port.load([...new Set(members.flatMap((m) => [...m]))]);
  const byId = new Map(loaded.map((m) => [m.id, m]));
  const records = keys.map((key, i) => ({
    key,
    messages: [...members[i]].map((id) => byId.get(id)).filter((m): m is StoredMessage => m !== undefined),
  }));
  return { records, ...(next ? { next } : {}), truncated };
}
