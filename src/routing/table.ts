/**
 * The routing table as data: one row per (grant, message type, recipient entry), for
 * `wasla contracts routes` and for operators reading what the agreements actually allow.
 */
import type { Condition } from '../federation/index.js';
import { defaultEnvelopeAttributes, type LoadedContracts } from './model.js';
import { isPattern, matches } from './pattern.js';

export interface RouteRow {
  agreement: string;
  grant: string;
  senders: string[];
  type: string;
  /** the recipient entry as written (id or pattern) */
  recipient: string;
  /** the institutions it reaches today */
  reaches: string[];
  major: number;
  fields: string[];
  /** the envelope attributes carrying sender-written data it receives (subject, casereference, ...) */
  envelope: string[];
  conditions: Condition[];
  recipientFrom?: string;
  classification?: string;
  /** deliveries wait for the recipient however long it takes (see workers/retry-policy.ts) */
  storeAndForward?: true;
}

export function routingTable(contracts: LoadedContracts): RouteRow[] {
  const rows: RouteRow[] = [];
  const ids = [...contracts.institutions.keys()].sort();
  for (const g of contracts.grants) {
    for (const type of g.types) {
      for (const t of g.to) {
        rows.push({
          agreement: g.agreement,
          grant: g.id,
          senders: g.senders,
          type,
          recipient: t.recipient,
          reaches: isPattern(t.recipient) ? ids.filter((id) => matches(t.recipient, id)) : [t.recipient],
          major: t.major,
          fields: t.fields,
          envelope: t.envelope ?? defaultEnvelopeAttributes(t.fields),
          conditions: [...g.conditions, ...t.conditions],
          ...(g.recipientFrom !== undefined ? { recipientFrom: g.recipientFrom } : {}),
          ...(g.classification !== undefined ? { classification: g.classification } : {}),
          ...(g.retry.storeAndForward ? { storeAndForward: true as const } : {}),
        });
      }
    }
  }
  return rows.sort((a, b) => a.senders.join(',').localeCompare(b.senders.join(',')) || a.type.localeCompare(b.type) || a.recipient.localeCompare(b.recipient));
}

export function formatCondition(c: Condition): string {
  return c.op === 'exists' || c.op === 'not-exists' ? `${c.pointer} ${c.op}` : `${c.pointer} ${c.op} ${JSON.stringify(c.value)}`;
}
