/**
 * Read-API authorization: an institution may run a query only when an agreement in force lists it
 * for that institution (by id or pattern). Deny by default; works on any `Contracts`.
 * A query about a message is answered under the agreement that carried it, never under another
 * agreement the institution happens to hold (issue 19.9): pass that agreement.
 */
import type { Contracts } from './types.js';

export function authorizeQuery(contracts: Contracts, institution: string, queryName: string, under?: { agreement: string }): boolean {
  if (under === undefined) return contracts.queriesFor(institution).includes(queryName);
  return contracts.queryGrants(institution).some((g) => g.agreement === under.agreement && g.queries.includes(queryName));
}

/** The agreements under which an institution may run a query (empty: it may not run it at all). */
export function agreementsGranting(contracts: Contracts, institution: string, queryName: string): string[] {
  return contracts
    .queryGrants(institution)
    .filter((g) => g.queries.includes(queryName))
    .map((g) => g.agreement);
}
