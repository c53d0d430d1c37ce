/**
 * Read-API authorization: an institution may run a query only when an active agreement lists it
 * for that institution (by id or pattern). Deny by default; works on any `Contracts`.
 */
import type { Contracts } from './types.js';

export function authorizeQuery(contracts: Contracts, institution: string, queryName: string): boolean {
  return contracts.queriesFor(institution).includes(queryName);
}
