/**
 * Cross-file checks of an agreement's expectations (issue 25): every type they name is in the
 * catalogue, every pointer can exist in the types it reads, every duration parses, each institution
 * told exists — and the agreement itself lets the hub send it the deadline messages, so that an
 * expectation that loads is one whose alerts can be routed. Each fault names the file and pointer.
 */
import { HUB_INSTITUTION_ID, parseDuration, type Agreement, type Expectation, type MessageMatch } from '../federation/index.js';
import { type CheckContext, checkConditions, checkPointerInSomeVersion, institutionsMatching } from './check.js';
import type { FaultList } from './contract-files.js';
import { isPattern, matches } from './pattern.js';

export const DEADLINE_MISSED = 'deadline.missed';
export const DEADLINE_APPROACHING = 'deadline.approaching';

function knownTypes(ctx: CheckContext, faults: FaultList, file: string, at: string, types: string[]): string[] {
  return types.filter((t, i) => {
    if (ctx.catalogue.has(t)) return true;
    faults.add(file, `${at}/${i}`, `message type "${t}" is not in the catalogue`);
    return false;
  });
}

function checkMatch(ctx: CheckContext, faults: FaultList, file: string, at: string, m: MessageMatch): string[] {
  const types = knownTypes(ctx, faults, file, `${at}/types`, m.types);
  checkConditions(ctx, faults, file, `${at}/conditions`, m.conditions, types);
  return types;
}

function checkDurations(faults: FaultList, file: string, at: string, e: Expectation): void {
  const durations: Array<[string, string | undefined]> = [
    ['/warnBefore', e.warnBefore],
    ['/due/within', e.due.kind === 'within' ? e.due.duration : undefined],
    ['/due/every', e.due.kind === 'every' ? e.due.period : undefined],
    ['/due/plus', e.due.kind === 'by' ? e.due.plus : undefined],
  ];
  for (const [p, d] of durations) if (d !== undefined && !parseDuration(d)) faults.add(file, `${at}${p}`, `"${d}" is not an ISO 8601 duration`);
  if (e.due.kind === 'every') {
    const d = parseDuration(e.due.period);
    if (d && Object.values(d).every((v) => v === 0)) faults.add(file, `${at}/due/every`, 'a period of zero would fire without end');
  }
}

/** Whether a grant of this agreement routes `type` from the hub to `institution`. */
export function hubRoutes(a: Agreement, type: string, institution: string): boolean {
  return a.grants.some((g) => g.senders.includes(HUB_INSTITUTION_ID) && g.types.includes(type) && g.to.some((t) => matches(t.recipient, institution)));
}

function checkOne(ctx: CheckContext, faults: FaultList, a: Agreement, e: Expectation, at: string): void {
  const file = a.file;
  const startTypes = checkMatch(ctx, faults, file, `${at}/when`, e.when);
  const answerTypes = knownTypes(ctx, faults, file, `${at}/expect/types`, e.expect.types);
  if (institutionsMatching(ctx, e.expect.from).length === 0) faults.add(file, `${at}/expect/from`, `"${e.expect.from}" matches no institution`);
  const cancelTypes = e.cancelledBy.flatMap((c, i) => checkMatch(ctx, faults, file, `${at}/cancelledBy/${i}`, c));
  if (e.correlate.by === 'pointer') {
    checkPointerInSomeVersion(ctx, faults, file, `${at}/correlate/pointer`, e.correlate.pointer, startTypes, 'correlation pointer');
    const answerPointer = e.correlate.answerPointer ?? e.correlate.pointer;
    checkPointerInSomeVersion(ctx, faults, file, `${at}/correlate/${e.correlate.answerPointer ? 'answerPointer' : 'pointer'}`, answerPointer, [...answerTypes, ...cancelTypes], 'correlation pointer');
  }
  if (e.due.kind === 'by') checkPointerInSomeVersion(ctx, faults, file, `${at}/due/by`, e.due.pointer, startTypes, 'date pointer');
  checkDurations(faults, file, at, e);
  e.notifyFrom.forEach((p, i) => checkPointerInSomeVersion(ctx, faults, file, `${at}/notifyFrom/${i}`, p, startTypes, 'notifyFrom pointer'));
  if (e.notify.length + e.notifyFrom.length === 0) faults.add(file, at, 'an expectation must name whom to tell: notify, notifyFrom or both');
  e.notify.forEach((n, i) => {
    const np = `${at}/notify/${i}`;
    if (isPattern(n) || !ctx.institutions.has(n)) {
      faults.add(file, np, `"${n}" is not an institution (the hub tells institutions by their exact id)`);
      return;
    }
    const types = [DEADLINE_MISSED, ...(e.warnBefore !== undefined ? [DEADLINE_APPROACHING] : [])];
    for (const t of types) {
      if (!hubRoutes(a, t, n)) faults.add(file, np, `no grant of this agreement lets ${HUB_INSTITUTION_ID} send ${t} to ${n}: add one (senders ["${HUB_INSTITUTION_ID}"], recipientFrom "/notify")`);
    }
  });
}

export function checkExpectations(ctx: CheckContext, faults: FaultList, a: Agreement): void {
  const ids = new Set<string>();
  a.expectations.forEach((e, i) => {
    if (ids.has(e.id)) faults.add(a.file, `/expectations/${i}/id`, `expectation id "${e.id}" is used twice in this agreement`);
    ids.add(e.id);
    checkOne(ctx, faults, a, e, `/expectations/${i}`);
  });
}
