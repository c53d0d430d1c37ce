/**
 * Retention and legal holds on an operator's request (issue 26.7). Running retention needs the
 * action `retention.run`, placing or lifting a hold `legal-hold.set` (both admin only), listing
 * holds `legal-holds.read`; anyone else is refused `role-not-allowed`. Every action is on the audit
 * log with the operator as its actor: the run (`retention.run`, a dry run too), each purged message
 * (`message.purged`, committed with the purge), each hold placed or lifted.
 *
 * The purge itself is the store's (store/retention.ts); the cut-offs come from the contract set in
 * force (routing/retention.ts). The sweeper runs the same purge in small batches (`sweepRetention`).
 */
import { uuidv7 } from '../ids.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import { canonicalValue } from '../queries/index-keys.js';
import { purgeRules, NO_RETENTION } from '../routing/index.js';
import type { Contracts } from '../routing/types.js';
import { liftLegalHold, listLegalHolds, placeLegalHold, purgePayloads, type Db, type LegalHold, type PurgedMessage } from '../store/index.js';
import type { AuditWriter } from '../audit/writer.js';
import { actorOf, requireRole } from './operators.js';
import type { Principal } from './principal.js';

/** a run over the API purges at most this many messages; run again for more */
export const MAX_RUN = 10_000;
export const DEFAULT_RUN = 1_000;
const MAX_TEXT = 500;
const MAX_ID = 200;

export interface RetentionRunResult {
  dryRun: boolean;
  /** the messages purged (or, dry, that would be), oldest first */
  messages: PurgedMessage[];
  /** whether the limit stopped the run: run again for the rest */
  more: boolean;
}

export interface RetentionService {
  run(principal: Principal, request: { dryRun?: boolean; limit?: number }): Promise<RetentionRunResult>;
  placeHold(principal: Principal, request: { issuer: string; caseRef: string; reason: string }): Promise<{ hold: LegalHold; placed: boolean }>;
  liftHold(principal: Principal, id: string, reason: string): Promise<LegalHold>;
  listHolds(principal: Principal, request: { all?: boolean }): Promise<LegalHold[]>;
}

export interface RetentionServiceDeps {
  db: Db;
  contracts: () => Contracts;
  audit: AuditWriter;
  /** the clock retention reads (tests move it; default the system's) */
  now?: () => Date;
}

/** One purge batch with the contract set in force: what the operator's run and the sweeper both do. */
export function purgeBatch(deps: { db: Db; contracts: () => Contracts; now?: () => Date }, o: { actor: string; limit: number; dryRun?: boolean }): Promise<PurgedMessage[]> {
  const c = deps.contracts();
  const rules = purgeRules(c.retention ?? NO_RETENTION, c.catalogue, (deps.now ?? (() => new Date()))());
  return purgePayloads(deps.db, { rules, limit: o.limit, actor: o.actor, dryRun: o.dryRun });
}

function text(name: string, v: unknown, max: number): string {
  if (typeof v !== 'string' || v.trim() === '') throw new BadRequestError('legal-hold-invalid', `${name} is required`, [{ pointer: `/${name}`, detail: 'a non-empty string' }]);
  if (v.length > max) throw new BadRequestError('legal-hold-invalid', `${name} is too long`, [{ pointer: `/${name}`, detail: `at most ${max} characters` }]);
  return v.trim();
}

export function retentionService(deps: RetentionServiceDeps): RetentionService {
  return {
    async run(p, req) {
      requireRole(deps.contracts(), p, 'retention.run');
      const limit = req.limit ?? DEFAULT_RUN;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RUN) {
        throw new BadRequestError('retention-run-invalid', `limit must be a whole number from 1 to ${MAX_RUN}`, [{ pointer: '/limit', detail: `1 to ${MAX_RUN}` }]);
      }
      const dryRun = req.dryRun === true;
      const actor = actorOf(p);
      const messages = await purgeBatch(deps, { actor, limit, dryRun });
      await deps.audit({ actor, action: 'retention.run', subject: null, data: { dryRun, limit, count: messages.length } });
      return { dryRun, messages, more: messages.length === limit };
    },

    async placeHold(p, req) {
      requireRole(deps.contracts(), p, 'legal-hold.set');
      const issuer = text('issuer', req.issuer, MAX_ID);
      const caseRef = text('caseRef', req.caseRef, MAX_ID);
      const reason = text('reason', req.reason, MAX_TEXT);
      if (!deps.contracts().institution(issuer)) {
        throw new BadRequestError('legal-hold-invalid', `${issuer.slice(0, 100)} is not an institution of the federation`, [{ pointer: '/issuer', detail: 'an institution id of the contract set' }]);
      }
      // the case index's normal form, so "12/2026" and "0012/2026" hold the same case
      const caseValue = canonicalValue('case-number', caseRef);
      if (caseValue === '') throw new BadRequestError('legal-hold-invalid', 'caseRef names no case', [{ pointer: '/caseRef', detail: 'a case reference' }]);
      return placeLegalHold(deps.db, { id: uuidv7(), issuer, caseRef, caseValue, reason, actor: actorOf(p) });
    },

    async liftHold(p, id, reason) {
      requireRole(deps.contracts(), p, 'legal-hold.set');
      const why = text('reason', reason, MAX_TEXT);
      const lifted = /^[0-9a-f-]{36}$/i.test(id) ? await liftLegalHold(deps.db, id, actorOf(p), why) : undefined;
      if (!lifted) throw new NotFoundError('legal-hold-not-found', `no legal hold in force with id ${id.slice(0, 40)}`);
      return lifted;
    },

    async listHolds(p, req) {
      requireRole(deps.contracts(), p, 'legal-holds.read');
      const holds = await listLegalHolds(deps.db, { all: req.all, limit: MAX_RUN });
      await deps.audit({ actor: actorOf(p), action: 'legal-holds.listed', subject: null, data: { all: req.all === true, count: holds.length } });
      return holds;
    },
  };
}
