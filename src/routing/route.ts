/**
 * Routing: who receives a message, and whether a recipient may still receive it now. Pure — the
 * same contracts, input and time give the same decision; no I/O. Deny by default:
 * - no active grant lets this sender send this type           -> 403 `no-agreement`
 * - grants exist, but their conditions fail or name no one    -> 403 `no-recipient` (faults name
 *   the condition pointers that failed)
 * - recipients exist, but none is cleared for the message's class -> 403 `no-cleared-recipient`
 * Recipients not cleared for the class are dropped silently otherwise (the decision only lists who
 * receives). The sender never receives its own message.
 *
 * When several grants reach one recipient it gets ONE delivery: fields are the union of what each
 * grant allows; major, retry, rate limit and acceptUnsignedReceipt come from the most specific grant
 * (exact recipient id over pattern, then more literal pattern segments; then the same for the sender;
 * then more conditions; then agreement id and grant order). `entitledBy` lists every grant.
 * Likewise the envelope attributes a recipient receives are the union of what each grant gives it.
 *
 * `entitlement` is the one owner of "may this recipient get this message now" after intake: the
 * worker asks it before every attempt and the API before every replay (issue 19), with the contracts
 * in force then. It plans exactly as `route` does — the same grants, conditions and clearances — so
 * what a recipient may receive later is never more than what intake would give it now.
 */
import { ForbiddenError, type Fault } from '../errors.js';
import type { Contracts, PlannedDelivery, RoutingDecision, RoutingInput } from './types.js';
import { HUB_INSTITUTION_ID, type Classification, type Condition, type Grant, type GrantTarget } from '../federation/index.js';
import { defaultEnvelopeAttributes, FEDERATION_TIME_ZONE, type LoadedContracts } from './model.js';
import { computeClassification, type ClassificationReason } from '../record/classify.js';
import { failing } from './conditions.js';
import { type Clearance, effectiveClassification, isCleared, isClearance, payloadIsJuvenile } from './classification.js';
import { isPattern, matches, specificity } from './pattern.js';
import { valueAt, isPlainObject } from '../json/index.js';
import { isActive } from './validity.js';

interface Reach {
  grant: Grant;
  target: GrantTarget;
  rank: number[];
  order: number;
}

function describe(c: Condition): string {
  return c.op === 'exists' || c.op === 'not-exists' ? c.op : `${c.op} ${JSON.stringify(c.value)}`;
}

/**
 * The spine holds contracts as `Contracts`; routing needs what `loadContracts` adds. A hand-made
 * `Contracts` without agreements would otherwise route nothing silently, so it is a programming error.
 */
export function asLoaded(contracts: Contracts): LoadedContracts {
  const c = contracts as Partial<LoadedContracts>;
  if (!Array.isArray(c.grants) || !(c.agreements instanceof Map) || typeof c.typeClassification !== 'function') {
    throw new TypeError('routing needs the contracts returned by loadContracts (agreements and grants are missing)');
  }
  return contracts as LoadedContracts;
}

/** A grant's sender pattern against a sender: the hub only by its exact id, never by a pattern. */
function senderMatches(pattern: string, sender: string): boolean {
  return sender === HUB_INSTITUTION_ID ? pattern === sender : matches(pattern, sender);
}

/** The grants that let `sender` send `type` now. */
export function grantsFor(contractsIn: Contracts, sender: string, type: string, now: Date = new Date()): Grant[] {
  const contracts = asLoaded(contractsIn);
  // the hub sends its own messages (intake/emit.ts) under grants that name it exactly
  if (!contracts.institutions.has(sender) && sender !== HUB_INSTITUTION_ID) return [];
  return contracts.grants.filter((g) => g.types.includes(type) && g.senders.some((p) => senderMatches(p, sender)) && isActive(contracts.agreements.get(g.agreement)!, now));
}

function recipientsOf(contracts: LoadedContracts, g: Grant, t: GrantTarget, data: unknown): string[] {
  if (g.recipientFrom !== undefined) {
    const v = valueAt(data, g.recipientFrom);
    const named = Array.isArray(v) ? v : [v];
    return named.filter((n): n is string => typeof n === 'string' && contracts.institutions.has(n) && matches(t.recipient, n));
  }
  if (!isPattern(t.recipient)) return contracts.institutions.has(t.recipient) ? [t.recipient] : [];
  return [...contracts.institutions.keys()].filter((id) => matches(t.recipient, id));
}

function unionFields(lists: string[][]): string[] {
  const out: string[] = [];
  for (const l of lists) {
    for (const f of l) {
      if (f === '*' || f === '') return ['*'];
      if (!out.includes(f)) out.push(f);
    }
  }
  return out;
}

function compareRank(a: Reach, b: Reach): number {
  for (let i = 0; i < a.rank.length; i++) if (a.rank[i] !== b.rank[i]) return b.rank[i] - a.rank[i];
  return a.order - b.order;
}

/** Who the grants in force reach with this message, and which clearances it needs; nothing thrown. */
interface Plan {
  grants: Grant[];
  byRecipient: Map<string, Reach[]>;
  required: Set<Clearance>;
  restricted: boolean;
  faults: Fault[];
  reasons: ClassificationReason[];
}

/**
 * The clearances the hub itself finds the message needs (issue 26): its schema's rules read over the
 * payload (a date of birth under 18 at the events, a listed offence), raising the sender's claim and
 * never lowering it. The same computation at intake and before every later attempt or replay.
 */
function hubClassification(contracts: LoadedContracts, input: RoutingInput, now: Date) {
  const declarations = contracts.recordDeclarations?.(input.type, input.version);
  if (!declarations) return undefined;
  return computeClassification(declarations, input.data, input.classification, FEDERATION_TIME_ZONE, { receivedAt: input.receivedAt ?? now });
}

function plan(contracts: LoadedContracts, input: RoutingInput, now: Date): Plan {
  const { sender, type, data } = input;
  const grants = grantsFor(contracts, sender, type, now);
  const faults: Fault[] = [];
  const byRecipient = new Map<string, Reach[]>();
  const required = new Set<Clearance>();
  let restricted = input.classification === 'restricted';
  if (isClearance(input.classification)) required.add(input.classification);
  if (payloadIsJuvenile(data)) required.add('juvenile');
  const inherent = contracts.typeClassification(type);
  if (isClearance(inherent)) required.add(inherent);
  if (inherent === 'restricted') restricted = true;
  const computed = hubClassification(contracts, input, now);
  for (const c of computed?.clearances ?? []) required.add(c);
  if (computed?.classification === 'restricted') restricted = true;

  let order = 0;
  for (const g of grants) {
    const failed = failing(g.conditions, data);
    if (failed.length > 0) {
      for (const c of failed) faults.push({ pointer: c.pointer, detail: `${g.agreement}/${g.id}: condition ${describe(c)} does not hold` });
      continue;
    }
    if (isClearance(g.classification)) required.add(g.classification);
    if (g.classification === 'restricted') restricted = true;
    const senderRank = Math.max(...g.senders.filter((p) => senderMatches(p, sender)).map(specificity));
    let reached = 0;
    for (const t of g.to) {
      const tf = failing(t.conditions, data);
      if (tf.length > 0) {
        for (const c of tf) faults.push({ pointer: c.pointer, detail: `${g.agreement}/${g.id} -> ${t.recipient}: condition ${describe(c)} does not hold` });
        continue;
      }
      for (const r of recipientsOf(contracts, g, t, data)) {
        if (r === sender) continue;
        const e: Reach = { grant: g, target: t, rank: [specificity(t.recipient), senderRank, g.conditions.length + t.conditions.length], order: order++ };
        const list = byRecipient.get(r);
        if (list) list.push(e);
        else byRecipient.set(r, [e]);
        reached++;
      }
    }
    if (reached === 0 && g.recipientFrom !== undefined) {
      faults.push({ pointer: g.recipientFrom, detail: `${g.agreement}/${g.id}: names no recipient this grant allows` });
    }
  }
  return { grants, byRecipient, required, restricted, faults, reasons: computed?.reasons ?? [] };
}

/** One recipient's delivery from the grants that reach it. */
function planned(recipient: string, ents: Reach[]): PlannedDelivery {
  ents.sort(compareRank);
  const win = ents[0];
  const d: PlannedDelivery = {
    recipient,
    agreement: win.grant.agreement,
    grant: win.grant.id,
    major: win.target.major,
    fields: unionFields(ents.map((e) => e.target.fields)),
    envelope: unionAttributes(ents.map((e) => e.target.envelope ?? defaultEnvelopeAttributes(e.target.fields))),
    retry: { schedule: [...win.grant.retry.schedule], jitter: win.grant.retry.jitter, ...(win.grant.retry.storeAndForward && { storeAndForward: true }) },
    acceptUnsignedReceipt: win.grant.acceptUnsignedReceipt,
    entitledBy: dedupeVia(ents),
  };
  if (win.grant.rateLimit) d.rateLimit = { ...win.grant.rateLimit };
  return d;
}

export function route(contractsIn: Contracts, input: RoutingInput, now: Date = new Date()): RoutingDecision {
  const contracts = asLoaded(contractsIn);
  const { sender, type } = input;
  const { grants, byRecipient, required, restricted, faults, reasons } = plan(contracts, input, now);
  if (grants.length === 0) {
    const why = contracts.institutions.has(sender) ? '' : ` (${sender} is not a member institution)`;
    throw new ForbiddenError('no-agreement', `no agreement lets ${sender} send ${type}${why}`);
  }

  if (byRecipient.size === 0) {
    throw new ForbiddenError('no-recipient', `no agreement entitles anyone to this ${type} from ${sender}`, faults);
  }

  const deliveries: PlannedDelivery[] = [];
  const dropped: string[] = [];
  for (const [recipient, ents] of byRecipient) {
    const inst = contracts.institutions.get(recipient)!;
    if (!isCleared(inst, required)) {
      dropped.push(recipient);
      continue;
    }
    deliveries.push(planned(recipient, ents));
  }

  const classes = [...required].sort() as Clearance[];
  if (deliveries.length === 0) {
    throw new ForbiddenError('no-cleared-recipient', `this ${type} is classified ${classes.join(' and ')}; none of its recipients (${dropped.sort().join(', ')}) is cleared for it`);
  }
  deliveries.sort((a, b) => (a.recipient < b.recipient ? -1 : a.recipient > b.recipient ? 1 : 0));
  return {
    sender,
    type,
    version: input.version,
    classification: effectiveClassification(input.classification, required, restricted),
    deliveries,
    requiredClearances: classes,
    ...(reasons.length > 0 && { classificationReasons: reasons }),
  };
}

/** Whether a recipient may receive a message now, and if so as what (see the module header). */
export type EntitlementDecision = { entitled: true; delivery: PlannedDelivery } | { entitled: false; reason: string };

/**
 * Whether `recipient` may receive this message under the contracts in force at `now`: an agreement
 * in force lets the sender send the type, a grant whose conditions hold reaches the recipient, and
 * the recipient is cleared for every class the message needs (`input.classification` is the
 * message's effective one). If so, the delivery as the grants in force give it now: major, fields,
 * envelope attributes, retry policy — never more than they allow today.
 */
export function entitlement(contractsIn: Contracts, input: RoutingInput, recipient: string, now: Date = new Date()): EntitlementDecision {
  const contracts = asLoaded(contractsIn);
  const { sender, type } = input;
  const inst = contracts.institutions.get(recipient);
  if (!inst) return { entitled: false, reason: `${recipient} is no longer a member of the federation` };
  const { grants, byRecipient, required } = plan(contracts, input, now);
  if (grants.length === 0) {
    const why = contracts.institutions.has(sender) ? '' : ` (${sender} is no longer a member)`;
    return { entitled: false, reason: `no agreement in force lets ${sender} send ${type}${why}` };
  }
  const ents = byRecipient.get(recipient);
  if (!ents) return { entitled: false, reason: `no grant in force gives ${recipient} this ${type} from ${sender}` };
  if (!isCleared(inst, required)) {
    const missing = [...required].filter((c) => !inst.clearances.includes(c)).sort();
    return { entitled: false, reason: `${recipient} is not cleared for ${missing.join(' and ')}` };
  }
  return { entitled: true, delivery: planned(recipient, ents) };
}

/** A message as the hub stored it: its sender, type, version and envelope (effective classification, data as sent). */
export interface StoredMessage {
  sender: string;
  type: string;
  version: string;
  envelope: unknown;
}

/** `entitlement` for a stored message (a claimed delivery's, a dead one's about to be replayed). */
export function entitlementOfStored(contracts: Contracts, message: StoredMessage, recipient: string, now: Date = new Date()): EntitlementDecision {
  const envelope = (isPlainObject(message.envelope) ? message.envelope : {}) as { classification?: unknown; data?: unknown };
  // the classification the hub stored is the effective one: at least the sender's, raised by routing
  const classification = (typeof envelope.classification === 'string' ? envelope.classification : 'restricted') as Classification;
  return entitlement(contracts, { sender: message.sender, type: message.type, version: message.version, classification, data: envelope.data }, recipient, now);
}

function unionAttributes(lists: ReadonlyArray<readonly string[]>): string[] {
  const out = new Set<string>();
  for (const l of lists) for (const a of l) out.add(a);
  return [...out].sort();
}

function dedupeVia(ents: Reach[]): Array<{ agreement: string; grant: string }> {
  const out: Array<{ agreement: string; grant: string }> = [];
  for (const e of ents) {
    if (!out.some((o) => o.agreement === e.grant.agreement && o.grant === e.grant.id)) out.push({ agreement: e.grant.agreement, grant: e.grant.id });
  }
  return out;
}
