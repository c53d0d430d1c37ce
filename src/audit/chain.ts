/**
 * The audit log's hash chain (invariant 7). Entry n's hash is SHA-256 over the previous hash and the
 * canonical JSON of the entry, so any edit, insertion or deletion breaks every later link, and the
 * gap-free `seq` makes a removed tail or middle visible.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  subject: string | null;
  data: unknown;
}

export function entryHash(prevHash: string, e: AuditEntry): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    // jsonb may reorder keys; canonical JSON makes the stored and the hashed form agree
    data: e.data,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}
