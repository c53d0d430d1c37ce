/**
 * The sender is who the message says (issue 26, item 3). Fields that name an institution inside the
 * payload — a warrant's issuing court, an execution report's unit, a fine's issuer — are declared in
 * the schema (`x-wasla-issuer`, annotations.ts). Each must name the institution that signed the
 * request, or:
 * - with `units: true`, one of its units: the signer's id followed by more segments
 *   (`ps.police.judicial.ramallah` for `ps.police.judicial`), provided that id is not an
 *   institution of the federation in its own right — a member signs for itself;
 * - an institution the signer may act for under an agreement (docs/proposals/acting-for.md), or a
 *   unit of one.
 * `checkIssuer` returns one fault per value that breaks this, with its pointer; the hub refuses the
 * request (`issuer-mismatch`, 403) when there is any. Pure: the caller gives the signer, the
 * federation's institutions, the agreements' acting-for entries and the time.
 */
import { matches } from '../routing/pattern.js';
import type { IssuerField } from './annotations.js';
import { locate } from './pointer.js';

/** "`agent` may send `types` naming `principals` as their issuer", from one agreement. */
export interface ActingFor {
  /** the agreement that says so, for the audit log */
  agreement: string;
  id: string;
  /** an institution id or pattern (`*` one segment, `**` one or more) */
  agent: string;
  /** institution ids or patterns the agent may act for */
  for: readonly string[];
  types: readonly string[];
  /** the agreement's validity */
  validFrom?: Date;
  validUntil?: Date;
}

export interface IssuerContext {
  /** the institution whose certificate signed the request */
  signer: string;
  /** the message type */
  type: string;
  /** when the message was received: acting-for entries are checked at this time */
  at: Date;
  /** whether an id is an institution of the federation */
  isInstitution: (id: string) => boolean;
  actingFor?: readonly ActingFor[];
}

export interface IssuerFault {
  /** the concrete pointer of the value in the payload */
  pointer: string;
  detail: string;
}

/** The acting-for entry that lets `agent` name `principal` on a message of `type` at `at`, if any. */
export function actingForEntry(entries: readonly ActingFor[], agent: string, principal: string, type: string, at: Date): ActingFor | undefined {
  return entries.find(
    (e) =>
      matches(e.agent, agent) &&
      e.for.some((p) => matches(p, principal)) &&
      e.types.includes(type) &&
      (e.validFrom === undefined || at >= e.validFrom) &&
      (e.validUntil === undefined || at < e.validUntil),
  );
}

/** The institution an id belongs to: itself, or for a unit the longest prefix that is an institution. */
function owner(id: string, units: boolean, isInstitution: (id: string) => boolean): string | undefined {
  if (isInstitution(id)) return id;
  if (!units) return undefined;
  const segs = id.split('.');
  for (let n = segs.length - 1; n >= 2; n--) {
    const prefix = segs.slice(0, n).join('.');
    if (isInstitution(prefix)) return prefix;
  }
  return undefined;
}

/** Every value of the declared fields that does not name the signer (or what it may act for). */
export function checkIssuer(fields: readonly IssuerField[], data: unknown, ctx: IssuerContext): IssuerFault[] {
  const faults: IssuerFault[] = [];
  for (const field of fields) {
    const units = field.units === true;
    for (const { pointer, value } of locate(data, field.pointer)) {
      if (typeof value !== 'string') {
        faults.push({ pointer, detail: 'must name an institution' });
        continue;
      }
      if (value === ctx.signer) continue;
      const who = owner(value, units, ctx.isInstitution);
      // a unit of the signer, unless the unit is a member that must sign for itself
      if (who === ctx.signer) continue;
      if (who === undefined && units && value.startsWith(ctx.signer + '.')) continue;
      if (who !== undefined && actingForEntry(ctx.actingFor ?? [], ctx.signer, who, ctx.type, ctx.at)) continue;
      const of = who !== undefined && who !== value ? ` (a unit of ${who})` : '';
      const why = who === undefined ? 'which is not an institution of the federation' + (units ? ' nor a unit of the signer' : '') : `and no agreement lets ${ctx.signer} act for ${who}`;
      faults.push({ pointer, detail: `names ${value}${of}, but the message is signed by ${ctx.signer}, ${why}` });
    }
  }
  return faults;
}
