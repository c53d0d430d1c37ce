/**
 * Deliveries as institutions and operators see them: listing (dead letters above all, and those
 * still waiting) and replaying dead ones, one by one or in bulk. Operators (people of the
 * institution of kind "hub", by the role their certificate carries: services/operators.ts) see
 * everything when their role may read deliveries, and replay when it may replay; an institution sees the deliveries of messages it sent or
 * addressed to it, under the agreements that grant it the delivery-status query (deny by default,
 * issue 19.9), and may replay those of messages it sent. A replay happens only if the contracts in
 * force still entitle the recipient to the message (issue 19); otherwise it is refused
 * (`no-longer-entitled`) and the refusal is on the audit log. Every listing is on the audit log.
 */
import type { Logger } from 'pino';
import { ForbiddenError, NotFoundError, RequestRefusedError } from '../errors.js';
import { actorOf, ofHubInstitution, requireRole } from './operators.js';
import { agreementsGranting, entitlementOfStored } from '../routing/index.js';
import type { Contracts } from '../routing/types.js';
import { getDelivery, listDeliveries, PURGED, replayDeliveries, type Db, type DeliveryFilter, type PayloadVault, type ReplayCheck, type ReplayResult } from '../store/index.js';
import type { Dispatcher } from '../queue/index.js';
import type { AuditWriter } from '../audit/writer.js';
import type { Principal } from './principal.js';

export type DeliveryListing = Awaited<ReturnType<typeof listDeliveries>>;

export interface DeliveryService {
  /** a page of the deliveries the principal may see; `next` is the cursor of the next page, null at the end */
  list(principal: Principal, filter: DeliveryFilter): Promise<{ items: DeliveryListing; next: string | null }>;
  /** replay one dead delivery */
  replay(principal: Principal, id: string, reason?: string): Promise<ReplayResult>;
  /**
   * replay the dead deliveries a filter matches (operators only); `request` reads the filter and
   * reason, and is called once the principal is known to be an operator, so that nobody else
   * learns anything from how their request is read
   */
  replayMatching(principal: Principal, request: () => { filter: DeliveryFilter; reason?: string }): Promise<ReplayResult>;
}

export interface DeliveryServiceDeps {
  db: Db;
  contracts: () => Contracts;
  dispatcher: Dispatcher;
  audit: AuditWriter;
  log: Logger;
  /** opens a sealed payload for the entitlement check of a replay (issue 26) */
  vault?: PayloadVault;
}

/** a page holds this many deliveries unless the filter says otherwise */
export const DEFAULT_PAGE = 100;

export function deliveryService(deps: DeliveryServiceDeps): DeliveryService {
  /** an operator of the hub sees everything when their role lets them read deliveries (issue 26) */
  const hub = (p: Principal) => ofHubInstitution(deps.contracts(), p);

  /** need to know at replay: the contracts in force now must still entitle the recipient to the message */
  const entitledNow = (): ReplayCheck => {
    const contracts = deps.contracts();
    const now = new Date();
    return (c) => {
      const e = entitlementOfStored(contracts, c.message, c.recipient, now);
      return e.entitled ? undefined : e.reason;
    };
  };

  const dispatchReplayed = (replayed: ReplayResult['replayed']) =>
    deps.dispatcher.dispatch(replayed.map((r) => ({ deliveryId: r.id, attempt: r.attempts, tag: 'replay', recipient: r.recipient }))).catch((err) => {
      deps.log.warn({ err: (err as Error).message }, 'could not schedule replayed deliveries now; the sweeper will');
    });

  return {
    async list(p, filter) {
      const f = { ...filter };
      if (hub(p)) requireRole(deps.contracts(), p, 'deliveries.read');
      else {
        const agreements = agreementsGranting(deps.contracts(), p.institution, 'delivery-status');
        if (agreements.length === 0) throw new ForbiddenError('query-not-granted', 'no agreement grants you the delivery-status query');
        f.visibleTo = p.institution;
        f.agreements = agreements;
      }
      const items = await listDeliveries(deps.db, f);
      await deps.audit({
        actor: actorOf(p),
        action: 'deliveries.listed',
        subject: null,
        data: { filter: { ...f, since: f.since?.toISOString(), until: f.until?.toISOString() }, count: items.length },
      });
      return { items, next: items.length === (f.limit ?? DEFAULT_PAGE) ? items[items.length - 1].id : null };
    },

    async replay(p, id, reason) {
      const d = await getDelivery(deps.db, id);
      if (!d) throw new NotFoundError('delivery-not-found', `no delivery ${id}`);
      if (hub(p)) requireRole(deps.contracts(), p, 'deliveries.replay');
      else if (d.sender !== p.institution) throw new ForbiddenError('not-your-delivery', 'only an operator or the sender of the message may replay a delivery');
      if (d.state !== 'dead') throw new RequestRefusedError('delivery-not-dead', `delivery ${id} is ${d.state}`);
      const r = await replayDeliveries(deps.db, { ids: [id] }, actorOf(p), reason, entitledNow(), deps.vault);
      // retention purged the payload: refused, and on the audit log as delivery.replay-refused
      if (r.refused[0]?.reason === PURGED) throw purged(id);
      if (r.refused.length > 0) throw notEntitled(r.refused, `delivery ${id} is not replayed: ${r.refused[0].reason}`);
      await dispatchReplayed(r.replayed);
      return r;
    },

    async replayMatching(p, request) {
      if (!hub(p)) throw new ForbiddenError('operator-only', 'bulk replay is for the hub operators');
      requireRole(deps.contracts(), p, 'deliveries.replay');
      const { filter, reason } = request();
      const r = await replayDeliveries(deps.db, { filter }, actorOf(p), reason, entitledNow(), deps.vault);
      if (r.replayed.length === 0 && r.refused.length > 0) {
        throw notEntitled(r.refused, `none of the ${r.refused.length} matching dead deliveries is replayed: the contracts in force no longer entitle their recipients`);
      }
      await dispatchReplayed(r.replayed);
      return r;
    },
  };
}

/** issue 26.7: retention purged the payload; nothing is left to deliver (the refusal is on the audit log) */
function purged(id: string): RequestRefusedError {
  return new RequestRefusedError('message-purged', `delivery ${id} is not replayed: ${PURGED}`);
}

function notEntitled(refused: ReplayResult['refused'], detail: string): ForbiddenError {
  return new ForbiddenError('no-longer-entitled', detail, [], { refused });
}
