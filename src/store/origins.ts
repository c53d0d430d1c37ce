/**
 * Reading the evidence of origin kept with messages (issue 26; written by intake's commit, store/
 * intake.ts). Read-only: the evidence of a message never changes once stored.
 */
import { inArray } from 'drizzle-orm';
import type { Db } from './db.js';
import { messageOrigins } from './schema.js';

/** The stored evidence of each of these messages that has some, by message id. */
export async function originsOf(db: Db, messageIds: readonly string[]): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  if (messageIds.length === 0) return out;
  const rows = await db
    .select({ id: messageOrigins.messageId, evidence: messageOrigins.evidence })
    .from(messageOrigins)
    .where(inArray(messageOrigins.messageId, [...messageIds]));
  for (const r of rows) out.set(r.id, r.evidence);
  return out;
}
