/**
 * The case index in memory: the reference implementation of IndexPort (resolve.ts) that the
 * tests run queries against, and the specification the SQL implementation must agree with (the
 * same requests, the same rows, the same order). Rows are written with `indexRows` (index-keys.ts)
 * beside each message, exactly as intake will write them in its transaction.
 */
import type { Catalogue } from '../schemas/types.js';
import type { StoredMessage } from './derive.js';
import { indexRows, type IndexRow } from './index-keys.js';
import type { IndexFilter, IndexHit, IndexPort, Lookup, RecordKeysRequest } from './resolve.js';

const cmp = (a: IndexRow, b: IndexRow) => (a.issuer < b.issuer ? -1 : a.issuer > b.issuer ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

export class MemoryIndex implements IndexPort {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly rows: IndexHit[] = [];

  constructor(
    private readonly catalogue: Catalogue,
    private readonly secret: Uint8Array,
  ) {}

  /** Store a message and its index rows (what intake does in one transaction). */
  add(message: StoredMessage): IndexRow[] {
    if (this.messages.has(message.id)) throw new Error(`message ${message.id} is already stored`);
    const rows = indexRows(this.catalogue, message.type, message.version, message.data, this.secret);
    this.messages.set(message.id, message);
    for (const r of rows) this.rows.push({ ...r, messageId: message.id });
    return rows;
  }

  private passes(messageId: string, f: IndexFilter): boolean {
    const m = this.messages.get(messageId);
    return m !== undefined && f.types.includes(m.type) && f.classifications.includes(m.classification);
  }

  private static hit(r: IndexHit, l: Lookup): boolean {
    return r.kind === l.kind && (r.value === l.value || (l.also?.includes(r.value) ?? false)) && (l.issuer === undefined || r.issuer === l.issuer);
  }

  async recordKeys(req: RecordKeysRequest): Promise<IndexRow[]> {
    const byMessage = new Map<string, IndexHit[]>();
    for (const r of this.rows) byMessage.set(r.messageId, [...(byMessage.get(r.messageId) ?? []), r]);
    const keys = new Map<string, IndexRow>();
    for (const [id, rows] of byMessage) {
      if (!this.passes(id, req)) continue;
      if (!req.lookups.every((l) => rows.some((r) => MemoryIndex.hit(r, l)))) continue;
      for (const r of rows) {
        if (r.kind !== req.recordKind || (req.recordIssuer !== undefined && r.issuer !== req.recordIssuer)) continue;
        if (req.after && cmp(r, { kind: r.kind, ...req.after }) <= 0) continue;
        keys.set(`${r.issuer}\u0000${r.value}`, { kind: r.kind, issuer: r.issuer, value: r.value });
      }
    }
    return [...keys.values()].sort(cmp).slice(0, req.limit);
  }

  async find(req: IndexFilter & { keys: readonly Lookup[]; limit: number }): Promise<IndexHit[]> {
    return this.rows.filter((r) => this.passes(r.messageId, req) && req.keys.some((l) => MemoryIndex.hit(r, l))).slice(0, req.limit);
  }

  async keysOf(req: { messageIds: readonly string[]; kinds: readonly IndexRow['kind'][] }): Promise<IndexHit[]> {
    const ids = new Set(req.messageIds);
    return this.rows.filter((r) => ids.has(r.messageId) && req.kinds.includes(r.kind));
  }

  async load(ids: readonly string[]): Promise<StoredMessage[]> {
    return ids.map((id) => this.messages.get(id)).filter((m): m is StoredMessage => m !== undefined);
  }
}
