/** Reading messages back: the message, its routing decision, each delivery and every attempt. */
import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from './db.js';
import { attempts, deliveries, messages } from './schema.js';

export type MessageRow = typeof messages.$inferSelect;

async function getMessage(db: Db, id: string): Promise<MessageRow | undefined> {
  const [m] = await db.select().from(messages).where(eq(messages.id, id)).limit(1);
  return m;
}

export async function getMessageView(db: Db, id: string) {
  const m = await getMessage(db, id);
  if (!m) return undefined;
  const ds = await db.select().from(deliveries).where(eq(deliveries.messageId, id)).orderBy(asc(deliveries.recipient));
  const as = ds.length
    ? await db
        .select()
        .from(attempts)
        .where(
          inArray(
            attempts.deliveryId,
            ds.map((d) => d.id),
          ),
        )
        .orderBy(asc(attempts.deliveryId), asc(attempts.number), asc(attempts.id))
    : [];
  return {
    message: m,
    deliveries: ds.map((d) => ({ ...d, attemptLog: as.filter((a) => a.deliveryId === d.id) })),
  };
}
