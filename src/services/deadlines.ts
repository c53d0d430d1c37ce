/**
 * Deadlines as institutions and operators see them (issue 25): a page of them by state and case.
 * Operators (institutions of kind "hub") see every deadline; an institution sees only those it is
 * concerned by — it is told of them, it sent the message that started them, or it received that
 * message (need to know, store/deadlines.ts). Every listing is on the audit log.
 */
import { isOperator } from '../federation/index.js';
import type { AuditWriter } from '../audit/writer.js';
import type { Contracts } from '../routing/types.js';
import { type Db, type DeadlineRow, type DeadlineState, listDeadlines } from '../store/index.js';
import type { Principal } from './principal.js';

export interface DeadlineQuery {
  state?: DeadlineState;
  caseRef?: string;
  before?: string;
  limit?: number;
}

export interface DeadlineView {
  id: string;
  agreement: string;
  expectation: string;
  kind: string;
  state: DeadlineState;
  caseReference: string | null;
  correlation: string;
  startedBy: string;
  classification: string;
  notify: string[];
  dueAt: string;
  warnAt: string | null;
  periodsMet: number;
  periodsMissed: number;
  closedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeadlineService {
  list(principal: Principal, q: DeadlineQuery): Promise<{ items: DeadlineView[]; next: string | null }>;
}

export const DEFAULT_DEADLINE_PAGE = 100;

function view(d: DeadlineRow): DeadlineView {
  return {
    id: d.id,
    agreement: d.agreement,
    expectation: d.expectation,
    kind: d.kind,
    state: d.state,
    caseReference: d.caseRef,
    correlation: d.correlationKey,
    startedBy: d.startedBy,
    classification: d.classification,
    notify: d.notify as string[],
    dueAt: d.dueAt.toISOString(),
    warnAt: d.warnAt?.toISOString() ?? null,
    periodsMet: d.periodsMet,
    periodsMissed: d.periodsMissed,
    closedBy: d.closedBy,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

export function deadlineService(deps: { db: Db; contracts: () => Contracts; audit: AuditWriter }): DeadlineService {
  return {
    async list(p, q) {
      const operator = isOperator(deps.contracts().institution(p.institution));
      const limit = q.limit ?? DEFAULT_DEADLINE_PAGE;
      const rows = await listDeadlines(deps.db, { ...q, limit, ...(!operator && { visibleTo: p.institution }) });
      await deps.audit({
        actor: p.institution,
        action: 'deadlines.listed',
        subject: null,
        data: { filter: { ...q, visibleTo: operator ? null : p.institution }, count: rows.length },
      });
      return { items: rows.map(view), next: rows.length === limit ? rows[rows.length - 1].id : null };
    },
  };
}
