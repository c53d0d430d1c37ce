/**
 * Test support for the hub's operator surface: a signed call as one operator (an enrolled person
 * of the hub's own institution, with a role), and rows straight from the hub's database.
 */
import type { SQL } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { OPERATOR_INSTITUTION, sharedFederation, signedFetch, type TestKey } from './federation.js';

/** `method path` with an optional JSON body, signed with the operator's `key`; status and parsed answer */
export async function operatorCall(hub: Pick<Hub, 'url'>, key: TestKey, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await signedFetch(
    `${hub.url}${path}`,
    { method, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, body: body === undefined ? undefined : JSON.stringify(body) },
    OPERATOR_INSTITUTION,
    sharedFederation(),
    key,
  );
  return { status: res.status, json: (await res.json()) as any };
}

/** the rows of a statement run on the hub's own database (either mode) */
export async function dbRows(hub: Pick<Hub, 'database'>, q: SQL): Promise<any[]> {
  const r = await hub.database.db.execute(q);
  return ((r as any).rows ?? r) as any[];
}
