/**
 * The hub's use cases, apart from HTTP: each service authorizes its caller against the contracts in
 * force, does the work, and puts it on the audit log. The HTTP routes parse a request, call one
 * service and map its answer; another edge (a pull inbox, a query API) calls the same services.
 */
import type { Logger } from 'pino';
import type { AuditWriter } from '../audit/writer.js';
import type { Dispatcher } from '../queue/index.js';
import type { Contracts } from '../routing/types.js';
import type { Db } from '../store/index.js';
import { acceptMessage, type AcceptInput, type AcceptResult, type IntakeDeps } from '../intake/accept.js';
import { deliveryService, type DeliveryService } from './deliveries.js';
import { messageService, type MessageService } from './messages.js';
import { refusalRecorder, type RefusalRecorder } from './refusals.js';
import { contractAdminService, type ContractAdminService } from './contracts-admin.js';

export type { Principal } from './principal.js';
export { DEFAULT_PAGE, type DeliveryListing, type DeliveryService } from './deliveries.js';
export type { MessageReading, MessageService } from './messages.js';
export { AUDITED_REFUSALS, type Refusal, type RefusalRecorder } from './refusals.js';

export interface IntakeService {
  accept(input: AcceptInput): Promise<AcceptResult>;
}

export interface Services {
  intake: IntakeService;
  messages: MessageService;
  deliveries: DeliveryService;
  /** refused requests on the audit log, bounded (refusals.ts) */
  refusals: RefusalRecorder;
  /** contract reload on an admin's request (contracts-admin.ts) */
  contractAdmin: ContractAdminService;
}

export interface ServiceDeps {
  db: Db;
  contracts: () => Contracts;
  dispatcher: Dispatcher;
  audit: AuditWriter;
  log: Logger;
  /** intake's flow control, when the api role holds messages for a backlog (intake/flow-control.ts) */
  flow?: IntakeDeps['flow'];
  /** puts the contract set in its directory in force (compose/reload.ts), for an admin's request */
  reloadContracts?: (actor: string) => Promise<Contracts>;
}

export function createServices(deps: ServiceDeps): Services {
  const intake: IntakeDeps = { db: deps.db, contracts: deps.contracts, dispatcher: deps.dispatcher, log: deps.log, flow: deps.flow };
  return {
    intake: { accept: (input) => acceptMessage(intake, input) },
    messages: messageService(deps),
    deliveries: deliveryService(deps),
    refusals: refusalRecorder(deps.audit, deps.log),
    contractAdmin: contractAdminService(deps),
  };
}
