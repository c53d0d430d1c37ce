/**
 * Routing's public surface: load and check the contract set (institutions, agreements, against the
 * message catalogue), decide who receives a message, project what each recipient may see, and
 * authorize read queries. Everything but `loadContracts` is pure.
 */
import { join } from 'node:path';
import { loadCatalogue } from '../schemas/index.js';
import type { Catalogue } from '../schemas/types.js';
import type { LoadedContracts } from './model.js';
import { type LoadOptions, loadContractSet } from './load.js';

export type * from './types.js';
export type { ContractFault, LoadedContracts } from './model.js';
export { defaultEnvelopeAttributes } from './model.js';
export type { LoadOptions } from './load.js';
export { loadContractSet } from './load.js';
export { route, grantsFor, asLoaded, entitlement, entitlementOfStored, type EntitlementDecision, type StoredMessage } from './route.js';
export { project, projectEnvelope } from './project.js';
export { authorizeQuery } from './queries.js';
export { routingTable, formatCondition, type RouteRow } from './table.js';
export { endpointEnvVar } from './endpoints.js';
export { matches as matchesPattern } from './pattern.js';
export { payloadIsJuvenile } from './classification.js';
export { agreementsGranting } from './queries.js';

/**
 * Load the whole contract set in `dir`: the catalogue from `dir/messages`, then institutions and
 * agreements. Throws ContractError listing every fault. Side-effect free: call again to reload.
 */
export function loadContracts(dir: string, opts: LoadOptions & { catalogue?: Catalogue } = {}): LoadedContracts {
  const catalogue = opts.catalogue ?? loadCatalogue(join(dir, 'messages'));
  return loadContractSet(dir, catalogue, opts);
}
// issue 25: deadlines
export { deadlineEffects, type DeadlineAnswer, type DeadlineEffects, type DeadlineKind, type DeadlineMessage, type DeadlineToOpen } from './expectations.js';
export { dueAt as deadlineDueAt, warnAt as deadlineWarnAt } from './expectations.js';
export { DEADLINE_APPROACHING, DEADLINE_MISSED } from './expectation-check.js';
export { NO_RETENTION, purgeRules, retentionOf, RETENTION_FILE, type PurgeRule, type RetentionPolicy, type RetentionRule } from './retention.js';
