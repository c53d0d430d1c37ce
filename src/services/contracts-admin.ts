/**
 * Putting a new contract set in force on an operator's request over the API (issue 26): only an
 * operator whose role allows `contracts.reload` (admin) may; an operator or an auditor is refused
 * with `role-not-allowed`. The reload itself is the composition's (compose/reload.ts): a set with
 * faults is refused and the one in force stays; the reload is on the audit log with the operator as
 * its actor.
 */
import { UnavailableError } from '../errors.js';
import type { Contracts } from '../routing/types.js';
import { actorOf, requireRole } from './operators.js';
import type { Principal } from './principal.js';

export interface ContractAdminService {
  /** reload the contract set from its directory; answers what is now in force */
  reload(principal: Principal): Promise<{ institutions: number; types: number }>;
}

export function contractAdminService(deps: { contracts: () => Contracts; reloadContracts?: (actor: string) => Promise<Contracts> }): ContractAdminService {
  return {
    async reload(p) {
      requireRole(deps.contracts(), p, 'contracts.reload');
      if (!deps.reloadContracts) throw new UnavailableError('this process cannot reload its contracts');
      const next = await deps.reloadContracts(actorOf(p));
      return { institutions: next.institutions.size, types: next.catalogue.list().length };
    },
  };
}
