/**
 * Operator roles, enforced (issue 26). The hub's operators are people of an institution of kind
 * `hub`; each operator certificate carries one role (record/operator-cert.ts) and `may(role,
 * action)` (record/roles.ts) is the whole permission table. Here: who counts as an operator, what
 * a principal may do, and the name the audit log gives an operator's action.
 *
 * A certificate of the hub's institution without a role is no operator's: it may do none of the
 * operator actions (least privilege — the table denies a missing role everything). Before roles,
 * every certificate of the hub's institution was a full operator; such certificates must be
 * replaced by operator certificates with a role (docs/record.md, "Operator roles").
 */
import { ForbiddenError } from '../errors.js';
import { isOperator } from '../federation/index.js';
import { may, type Action, type Role } from '../record/roles.js';
import type { Contracts } from '../routing/types.js';
import type { Principal } from './principal.js';

/** whether the principal speaks for the hub's own institution (an operator, with a role or without) */
export function ofHubInstitution(contracts: Contracts, p: Principal): boolean {
  return isOperator(contracts.institution(p.institution));
}

/** the role the principal holds as an operator; null for a hub certificate without one, undefined for an institution */
export function operatorRole(contracts: Contracts, p: Principal): Role | null | undefined {
  if (!ofHubInstitution(contracts, p)) return undefined;
  return p.operator?.role ?? null;
}

/** whether the principal is an operator whose role allows `action` */
export function operatorMay(contracts: Contracts, p: Principal, action: Action): boolean {
  return may(operatorRole(contracts, p), action);
}

/** throws `role-not-allowed` (403) unless the principal is an operator whose role allows `action` */
export function requireRole(contracts: Contracts, p: Principal, action: Action): void {
  if (operatorMay(contracts, p, action)) return;
  const role = operatorRole(contracts, p);
  const who = role === undefined ? `${p.institution} is not the hub's institution` : role === null ? 'this certificate of the hub carries no operator role' : `the role ${role}`;
  throw new ForbiddenError('role-not-allowed', `${action} is not allowed: ${who} may not do it`);
}

/** who the audit log names as the actor: the operator person (`<operator>@<institution>`), or the institution */
export function actorOf(p: Principal): string {
  return p.operator ? `${p.operator.operatorId}@${p.institution}` : p.institution;
}
