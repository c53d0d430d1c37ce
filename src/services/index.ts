/**
 * The hub's use cases, apart from HTTP: each service authorizes its caller against the contracts in
 * force, does the work, and puts it on the audit log. The HTTP routes parse a request, call one
 * service and map its answer; another edge (a pull inbox, a query API) calls the same services.
 */
import type { Logger } from 'pino';
import type { AuditWriter } from '../audit/writer.js';
import type { Dispatcher } from '../queue/index.js';
import type { Contracts } from '../routing/types.js';
import type { Db, PayloadVault } from '../store/index.js';
import { acceptMessage, type AcceptInput, type AcceptResult, type IntakeDeps } from '../intake/accept.js';
import { deadlineService, type DeadlineService } from './deadlines.js';
import { deliveryService, type DeliveryService } from './deliveries.js';
import { messageService, type MessageService } from './messages.js';
import { inboxService, type InboxService, type InboxServiceDeps } from './inbox.js';
import { statementService, type StatementOptions, type StatementService } from './statements.js';
import { queryService, type QueryService } from './queries.js';
import { StoreIndex } from '../store/index.js';
import { refusalRecorder, type RefusalRecorder } from './refusals.js';
import { contractAdminService, type ContractAdminService } from './contracts-admin.js';
import { payloadKeyService, type PayloadKeyService } from './payload-keys.js';
import { retentionService, type RetentionService } from './retention.js';

export type { Principal } from './principal.js';
export { DEFAULT_PAGE, type DeliveryListing, type DeliveryService } from './deliveries.js';
export type { MessageReading, MessageService } from './messages.js';
export type { Acknowledged, InboxReceipt, InboxService, InboxServiceDeps, PulledDelivery, ReceiptCheckResult } from './inbox.js';
export type { QueryCatalogue, QueryListing, QueryService } from './queries.js';
export type { DeadlineQuery, DeadlineService, DeadlineView } from './deadlines.js';
export { purgeBatch, type RetentionRunResult, type RetentionService } from './retention.js';
export { AUDITED_REFUSALS, type Refusal, type RefusalRecorder } from './refusals.js';

export interface IntakeService {
  accept(input: AcceptInput): Promise<AcceptResult>;
}

export interface Services {
  intake: IntakeService;
  messages: MessageService;
  deliveries: DeliveryService;
  /** the pull inbox (issue 22); absent where the composition gives none */
  inbox?: InboxService;
  /** issue 23: bank statements in, reconciliations out */
  statements: StatementService;
  queries: QueryService;
  /** issue 25 */
  deadlines: DeadlineService;
  /** refused requests on the audit log, bounded (refusals.ts) */
  refusals: RefusalRecorder;
  /** contract reload on an admin's request (contracts-admin.ts) */
  contractAdmin: ContractAdminService;
  /** issue 26: payload keys' status and rewrap, for admins (payload-keys.ts) */
  payloadKeys: PayloadKeyService;
  /** issue 26.7: retention runs and legal holds, for admins */
  retention: RetentionService;
}

export interface ServiceDeps {
  db: Db;
  contracts: () => Contracts;
  dispatcher: Dispatcher;
  audit: AuditWriter;
  log: Logger;
  /** intake's flow control, when the api role holds messages for a backlog (intake/flow-control.ts) */
  flow?: IntakeDeps['flow'];
  /** the pull inbox's own needs (issue 22) */
  inbox?: Omit<InboxServiceDeps, 'db' | 'contracts' | 'log'>;
  /** issue 23: reconciliation settings (config) and what it counts */
  statements?: Partial<StatementOptions>;
  observeStatement?: (r: { unmatchedEntries: number; payouts: Record<string, number>; flagged: boolean }) => void;
  /** the request body limit, which bounds any document an adapter reads at intake */
  maxBodyBytes?: number;
  /** issue 24: keys the case index at intake and query lookups */
  indexSecret: Uint8Array;
  /** issue 24: signs query cursors */
  cursorSecret: Uint8Array;
  /** issue 26: seals confidential payloads at intake, opens them for those entitled */
  vault?: PayloadVault;
  /** puts the contract set in its directory in force (compose/reload.ts), for an admin's request */
  reloadContracts?: (actor: string) => Promise<Contracts>;
  /** the clock retention reads (tests move it); default the system's */
  now?: () => Date;
}

export function createServices(deps: ServiceDeps): Services {
  const intake: IntakeDeps = {
    db: deps.db,
    contracts: deps.contracts,
    dispatcher: deps.dispatcher,
    log: deps.log,
    flow: deps.flow,
    maxBodyBytes: deps.maxBodyBytes,
    indexSecret: deps.indexSecret,
    vault: deps.vault,
  };
  return {
    intake: { accept: (input) => acceptMessage(intake, input) },
    messages: messageService(deps),
    deliveries: deliveryService(deps),
    ...(deps.inbox && { inbox: inboxService({ ...deps.inbox, db: deps.db, contracts: deps.contracts, log: deps.log }) }),
    statements: statementService({
      ...deps,
      options: { unmatchedAfterDays: 10, valueDateToleranceDays: 3, maxBytes: 16 * 1024 * 1024, ...deps.statements },
      ...(deps.observeStatement ? { observe: deps.observeStatement } : {}),
    }),
    queries: queryService({ contracts: deps.contracts, audit: deps.audit, port: new StoreIndex(deps.db, deps.vault), indexSecret: deps.indexSecret, cursorSecret: deps.cursorSecret }),
    deadlines: deadlineService(deps),
    refusals: refusalRecorder(deps.audit, deps.log),
    contractAdmin: contractAdminService(deps),
    payloadKeys: payloadKeyService(deps),
    retention: retentionService(deps),
  };
}
