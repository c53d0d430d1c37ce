/**
 * The two read grants agreements wrote before named queries existed. They are not case queries —
 * they take a message or delivery id, not a case key, derive no status from a history and read no
 * index — so they stay what they are: grant names the hub's own routes check, each answered under
 * the agreement that carried the message (src/api/routes/messages.ts, deliveries.ts). They are listed
 * here so that `GET /v1/queries` can show them beside the named queries, and so that no query
 * contract can take their names and no grant can give them fields (they have none to narrow).
 */

export interface BuiltinQuery {
  name: string;
  description: string;
  /** the route that answers it */
  route: string;
}

export const BUILTIN_QUERIES: Readonly<Record<string, BuiltinQuery>> = Object.freeze({
  'message-status': {
    name: 'message-status',
    description: "A message the caller received: its metadata and the caller's own delivery, when the agreement that carried it grants message-status.",
    route: 'GET /v1/messages/{id}',
  },
  'delivery-status': {
    name: 'delivery-status',
    description: 'The deliveries of messages the caller sent or received under an agreement granting delivery-status.',
    route: 'GET /v1/deliveries',
  },
});

export function isBuiltinQuery(name: string): boolean {
  return Object.hasOwn(BUILTIN_QUERIES, name);
}
