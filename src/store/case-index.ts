/**
 * The case index in the database (issue 24): the IndexPort of src/queries/resolve.ts over the
 * `case_index` table that intake fills in the statement storing each message (store/intake.ts).
 *
 * Guarantees:
 * - every call is an index range scan of `case_index` (by key, by issuer, or by message id), or a
 *   read of `messages` by primary key: no call ever scans messages, so the cost of an answer grows
 *   with the page, not with what the hub holds;
 * - every call filters on the message types the query reads and the classes the caller is cleared
 *   for, in the index itself, so an uncleared message is never found, never makes a record exist
 *   and never links another in;
 * - it answers exactly what the in-memory reference (queries/memory-index.ts) answers: the same
 *   rows, keys in (issuer, value) order compared byte by byte (the columns are COLLATE "C");
 * - every list is passed as one JSON parameter, so no request's size changes the statement text;
 * - a message whose payload retention purged keeps its keys (its record is still found) but is not
 *   loaded: a status is derived only from payloads the hub still holds (docs/record.md).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { IndexFilter, IndexHit, IndexPort, Lookup, RecordKeysRequest } from '../queries/resolve.js';
import type { IndexRow } from '../queries/index-keys.js';
import type { StoredMessage } from '../queries/derive.js';
import type { Classification } from '../federation/index.js';
import { resultRows, type Db } from './db.js';
import { openStored, type PayloadVault } from './payload-store.js';

const list = (xs: readonly string[]) => sql`array(select jsonb_array_elements_text(${JSON.stringify(xs)}::jsonb))`;

function filterOn(alias: string, f: IndexFilter): SQL {
  const a = sql.raw(alias);
  return sql`${a}.type = any(${list(f.types)}) and ${a}.classification = any(${list(f.classifications)})`;
}

function lookupOn(alias: string, l: Lookup): SQL {
  const a = sql.raw(alias);
  // a value with other forms (a plate, keyed in an encrypted message's rows) matches any of them
  const value = l.also?.length ? sql`${a}.value = any(${list([l.value, ...l.also])})` : sql`${a}.value = ${l.value}`;
  return l.issuer === undefined ? sql`${a}.kind = ${l.kind} and ${value}` : sql`${a}.kind = ${l.kind} and ${value} and ${a}.issuer = ${l.issuer}`;
}

type Row = { message_id: string; kind: IndexRow['kind']; issuer: string; value: string };
const hit = (r: Row): IndexHit => ({ messageId: String(r.message_id), kind: r.kind, issuer: r.issuer, value: r.value });

export class StoreIndex implements IndexPort {
  constructor(
    private readonly db: Db,
    /** opens sealed payloads (issue 26): only messages the caller is cleared for are ever loaded */
    private readonly vault?: PayloadVault,
  ) {}

  async recordKeys(req: RecordKeysRequest): Promise<IndexRow[]> {
    const tail: SQL[] = [];
    if (req.recordIssuer !== undefined) tail.push(sql`r.issuer = ${req.recordIssuer}`);
    if (req.after) tail.push(sql`(r.issuer, r.value) > (${req.after.issuer}::text collate "C", ${req.after.value}::text collate "C")`);
    let query: SQL;
    if (req.lookups.length === 0) {
      // scoped to an issuer: one ordered range scan of (kind, issuer, value), stopped at the page
      query = sql`select distinct r.issuer, r.value from case_index r
        where r.kind = ${req.recordKind} and ${filterOn('r', req)}${tail.length ? sql` and ${sql.join(tail, sql` and `)}` : sql``}
        order by r.issuer, r.value limit ${req.limit}`;
    } else {
      // the first lookup drives (primary key: kind, value, issuer); the others must be carried by the same message
      const [first, ...rest] = req.lookups;
      const others = rest.map((l, i) => sql` and exists (select 1 from case_index ${sql.raw(`l${i + 1}`)} where ${sql.raw(`l${i + 1}`)}.message_id = l0.message_id and ${lookupOn(`l${i + 1}`, l)})`);
      query = sql`select distinct r.issuer, r.value from case_index l0
        join case_index r on r.message_id = l0.message_id and r.kind = ${req.recordKind}
        where ${lookupOn('l0', first)} and ${filterOn('l0', req)}${sql.join(others, sql``)}${tail.length ? sql` and ${sql.join(tail, sql` and `)}` : sql``}
        order by r.issuer, r.value limit ${req.limit}`;
    }
    const rows = resultRows<{ issuer: string; value: string }>(await this.db.execute(query));
    return rows.map((r) => ({ kind: req.recordKind, issuer: r.issuer, value: r.value }));
  }

  async find(req: IndexFilter & { keys: readonly Lookup[]; limit: number }): Promise<IndexHit[]> {
    if (req.keys.length === 0) return [];
    const keys = JSON.stringify(req.keys.flatMap((k) => [k.value, ...(k.also ?? [])].map((value) => ({ kind: k.kind, value, issuer: k.issuer ?? null }))));
    const rows = resultRows<Row>(
      await this.db.execute(sql`select distinct c.message_id, c.kind, c.issuer, c.value
        from jsonb_to_recordset(${keys}::jsonb) as k(kind text, value text, issuer text)
        join case_index c on c.kind = k.kind and c.value = k.value and (k.issuer is null or c.issuer = k.issuer)
        where ${filterOn('c', req)}
        order by c.message_id, c.kind, c.issuer, c.value limit ${req.limit}`),
    );
    return rows.map(hit);
  }

  async keysOf(req: { messageIds: readonly string[]; kinds: readonly IndexRow['kind'][] }): Promise<IndexHit[]> {
    if (req.messageIds.length === 0 || req.kinds.length === 0) return [];
    const rows = resultRows<Row>(
      await this.db.execute(sql`select message_id, kind, issuer, value from case_index
        where message_id = any(array(select (jsonb_array_elements_text(${JSON.stringify(req.messageIds)}::jsonb))::uuid)) and kind = any(${list(req.kinds)})
        order by message_id, kind, issuer, value`),
    );
    return rows.map(hit);
  }

  async load(ids: readonly string[]): Promise<StoredMessage[]> {
    if (ids.length === 0) return [];
    const rows = resultRows<{ id: string; type: string; version: string; classification: Classification; envelope: unknown; payload_ciphertext: Buffer | null; payload_key: Buffer | null }>(
      // a message whose payload retention purged (issue 26.7) says nothing any more: left out, as a missing id is
      await this.db.execute(sql`select id, type, version, classification, envelope, payload_ciphertext, payload_key from messages
        where id = any(array(select (jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))::uuid)) and purged_at is null`),
    );
    return rows.map((r) => {
      // `json`, not jsonb: node-postgres and PGlite both hand it back parsed; a string only if a driver does not
      const env = openStored({ id: String(r.id), classification: r.classification, envelope: r.envelope, payloadCiphertext: r.payload_ciphertext, payloadKey: r.payload_key }, this.vault).envelope as {
        time: string;
        data: unknown;
      };
      return { id: String(r.id), type: r.type, version: r.version, time: env.time, classification: r.classification, data: env.data };
    });
  }
}
