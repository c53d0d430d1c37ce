/**
 * Cross-file checks of an agreement against the institutions and the message catalogue: every fault
 * an agreement can have that its JSON Schema cannot see. Each fault names the agreement file and the
 * JSON pointer inside it. A contract set that passes these checks cannot, by construction, route a
 * message to an institution that does not exist, in a major nobody publishes, project a field the
 * schema never has, or plan a juvenile/gbv delivery its agreement did not think about.
 */
import type { Catalogue } from '../schemas/types.js';
import { HUB_INSTITUTION_ID, type Agreement, type Condition, type Grant, type Institution } from '../federation/index.js';
import { JUVENILE_FLAGS, PARTIES_POINTER, PARTY_ROLE_POINTER } from './model.js';
import type { FaultList } from './contract-files.js';
import { isPattern, matches } from './pattern.js';
import { pointerExists, type SchemaResolver } from './schema-walk.js';
import { type Clearance, isClearance } from './classification.js';
import { windowIsSane } from './validity.js';

export interface CheckContext {
  institutions: ReadonlyMap<string, Institution>;
  catalogue: Catalogue;
  resolver: SchemaResolver;
  typeClassification(type: string): string | undefined;
}

/** A payload marker of juvenile subjects that a type's schema can carry. */
interface Marker {
  pointer: string;
  excludedBy(c: Condition): boolean;
}

const FLAG_EXCLUSIONS = (pointer: string): Marker => ({
  pointer,
  excludedBy: (c) =>
    c.pointer === pointer &&
    ((c.op === 'equals' && c.value === false) || (c.op === 'not-equals' && c.value === true) || c.op === 'not-exists' || (c.op === 'in' && Array.isArray(c.value) && !c.value.includes(true))),
});

const PARTY_EXCLUSIONS: Marker = {
  pointer: PARTY_ROLE_POINTER,
  excludedBy: (c) =>
    (c.pointer === PARTY_ROLE_POINTER && ((c.op === 'not-equals' && c.value === 'juvenile') || (c.op === 'in' && Array.isArray(c.value) && !c.value.includes('juvenile')))) ||
    (c.pointer === PARTIES_POINTER && c.op === 'not-exists'),
};

function schemasOf(ctx: CheckContext, type: string): Array<{ version: string; schema: Record<string, unknown> }> {
  const out: Array<{ version: string; schema: Record<string, unknown> }> = [];
  for (const ref of ctx.catalogue.list()) {
    if (ref.type !== type) continue;
    const schema = ctx.catalogue.get(ref.type, ref.version);
    if (schema) out.push({ version: ref.version, schema });
  }
  return out;
}

/** The juvenile markers any published version of the type can carry. */
export function juvenileMarkers(ctx: CheckContext, type: string): Marker[] {
  const schemas = schemasOf(ctx, type);
  const markers: Marker[] = [];
  for (const flag of JUVENILE_FLAGS) {
    if (schemas.some((s) => pointerExists(s.schema, flag, ctx.resolver))) markers.push(FLAG_EXCLUSIONS(flag));
  }
  if (schemas.some((s) => pointerExists(s.schema, PARTY_ROLE_POINTER, ctx.resolver))) markers.push(PARTY_EXCLUSIONS);
  return markers;
}

export function institutionsMatching(ctx: CheckContext, pattern: string): Institution[] {
  if (!isPattern(pattern)) {
    const i = ctx.institutions.get(pattern);
    return i ? [i] : [];
  }
  return [...ctx.institutions.values()].filter((i) => matches(pattern, i.id));
}

function checkInstitutionRef(ctx: CheckContext, faults: FaultList, file: string, pointer: string, ref: string, role: string): void {
  if (institutionsMatching(ctx, ref).length > 0) return;
  // the hub is the sender of its own messages (alerts, payment records), by its exact id only
  if (role === 'sender' && ref === HUB_INSTITUTION_ID) return;
  faults.add(file, pointer, isPattern(ref) ? `${role} pattern "${ref}" matches no institution` : `${role} "${ref}" is not an institution`);
}

export function checkPointerInSomeVersion(ctx: CheckContext, faults: FaultList, file: string, at: string, pointer: string, types: string[], what: string): void {
  for (const type of types) {
    if (!ctx.catalogue.has(type)) continue;
    const schemas = schemasOf(ctx, type);
    if (!schemas.some((s) => pointerExists(s.schema, pointer, ctx.resolver))) {
      faults.add(file, at, `${what} "${pointer}" cannot exist in any published version of ${type}`);
    }
  }
}

export function checkConditions(ctx: CheckContext, faults: FaultList, file: string, at: string, conds: Condition[], types: string[]): void {
  conds.forEach((c, i) => checkPointerInSomeVersion(ctx, faults, file, `${at}/${i}/pointer`, c.pointer, types, 'condition pointer'));
}

function checkGrant(ctx: CheckContext, faults: FaultList, file: string, g: Grant, gi: number): void {
  const at = `/grants/${gi}`;
  g.senders.forEach((s, i) => checkInstitutionRef(ctx, faults, file, `${at}/senders/${i}`, s, 'sender'));
  const knownTypes: string[] = [];
  g.types.forEach((t, i) => {
    if (ctx.catalogue.has(t)) knownTypes.push(t);
    else faults.add(file, `${at}/types/${i}`, `message type "${t}" is not in the catalogue`);
  });
  checkConditions(ctx, faults, file, `${at}/conditions`, g.conditions, knownTypes);
  if (g.recipientFrom !== undefined) {
    checkPointerInSomeVersion(ctx, faults, file, `${at}/recipientFrom`, g.recipientFrom, knownTypes, 'recipientFrom pointer');
  }

  const seen = new Set<string>();
  g.to.forEach((t, ti) => {
    const tat = `${at}/to/${ti}`;
    if (seen.has(t.recipient)) faults.add(file, `${tat}/recipient`, `recipient "${t.recipient}" is listed twice in this grant`);
    seen.add(t.recipient);
    checkInstitutionRef(ctx, faults, file, `${tat}/recipient`, t.recipient, 'recipient');
    checkConditions(ctx, faults, file, `${tat}/conditions`, t.conditions, knownTypes);

    for (const type of knownTypes) {
      if (!ctx.catalogue.majors(type).includes(t.major)) {
        faults.add(file, `${tat}/major`, `${type} has no published major ${t.major} (published: ${ctx.catalogue.majors(type).join(', ') || 'none'})`);
        continue;
      }
      const latest = ctx.catalogue.latest(type, t.major);
      const schema = latest && ctx.catalogue.get(type, latest.version);
      if (!schema) continue;
      t.fields.forEach((f, fi) => {
        if (f === '*' || f === '') return;
        if (!pointerExists(schema, f, ctx.resolver, { indices: false })) {
          const hint = pointerExists(schema, f, ctx.resolver) ? ' (address array elements with *, not an index)' : '';
          faults.add(file, `${tat}/fields/${fi}`, `field "${f}" cannot exist in ${type}@${latest!.version}${hint}`);
        }
      });
    }
    checkTranslatable(ctx, faults, file, t.recipient, t.major, tat, [...g.conditions, ...t.conditions], knownTypes);
    checkClassification(ctx, faults, file, g, t.recipient, tat, [...g.conditions, ...t.conditions], knownTypes);
  });
}

/** Ops that fail on a missing value: a condition with one of them guarantees its pointer exists. */
const PRESENCE_OPS = new Set(['exists', 'equals', 'in', 'lt', 'lte', 'gt', 'gte']);

/**
 * A recipient pinned to a major that some documents cannot be written in (a translator on the way
 * `requires` a value the sender's major may leave out) may only be reached under conditions that
 * guarantee those values — else such a message would be accepted and then fail at every delivery.
 */
function checkTranslatable(ctx: CheckContext, faults: FaultList, file: string, recipient: string, major: number, at: string, conds: Condition[], types: string[]): void {
  for (const type of types) {
    if (!ctx.catalogue.majors(type).includes(major)) continue; // reported above
    for (const pointer of ctx.catalogue.translationRequires?.(type, major) ?? []) {
      if (conds.some((c) => c.pointer === pointer && PRESENCE_OPS.has(c.op))) continue;
      faults.add(
        file,
        `${at}/major`,
        `${recipient} is pinned to ${type} major ${major}, which cannot carry a document without ${pointer} (sent in another major): add the condition {"pointer":"${pointer}","op":"exists"} or pin a major that carries it`,
      );
    }
  }
}

/**
 * Need to know at load time. A recipient must be cleared for every class the grant or the type
 * declares; and a recipient not cleared for `juvenile` may only be reached by a grant whose
 * conditions exclude juvenile subjects for every juvenile marker the type can carry — so what an
 * agreement says is what happens, instead of juvenile messages silently going nowhere.
 */
function checkClassification(ctx: CheckContext, faults: FaultList, file: string, g: Grant, recipient: string, at: string, conds: Condition[], types: string[]): void {
  const recipients = institutionsMatching(ctx, recipient);
  for (const type of types) {
    const inherent = new Set<Clearance>();
    if (isClearance(g.classification)) inherent.add(g.classification);
    const tc = ctx.typeClassification(type);
    if (isClearance(tc)) inherent.add(tc);
    for (const c of inherent) {
      const uncleared = recipients.filter((i) => !i.clearances.includes(c)).map((i) => i.id);
      if (uncleared.length > 0) {
        const why = g.classification === c ? `grant "${g.id}" is classified ${c}` : `${type} is classified ${c}`;
        faults.add(file, `${at}/recipient`, `${uncleared.join(', ')} not cleared for ${c}, but ${why}`);
      }
    }
    if (inherent.has('juvenile')) continue;
    const uncleared = recipients.filter((i) => !i.clearances.includes('juvenile')).map((i) => i.id);
    if (uncleared.length === 0) continue;
    for (const m of juvenileMarkers(ctx, type)) {
      if (conds.some((c) => m.excludedBy(c))) continue;
      const hint = m.pointer === PARTY_ROLE_POINTER ? `{"pointer":"${PARTY_ROLE_POINTER}","op":"not-equals","value":"juvenile"}` : `{"pointer":"${m.pointer}","op":"equals","value":false}`;
      faults.add(file, at, `${uncleared.join(', ')} not cleared for juvenile, and ${type} can carry ${m.pointer}: add the condition ${hint} or send to a cleared recipient`);
    }
  }
}

export function checkAgreement(ctx: CheckContext, faults: FaultList, a: Agreement): void {
  const file = a.file;
  a.parties.forEach((p, i) => checkInstitutionRef(ctx, faults, file, `/parties/${i}`, p, 'party'));
  if (!windowIsSane(a)) faults.add(file, '/validUntil', `validUntil ${a.validUntil} is before validFrom ${a.validFrom}`);
  const ids = new Set<string>();
  a.grants.forEach((g, gi) => {
    if (ids.has(g.id)) faults.add(file, `/grants/${gi}/id`, `grant id "${g.id}" is used twice in this agreement`);
    ids.add(g.id);
    checkGrant(ctx, faults, file, g, gi);
  });
  a.queries.forEach((q, i) => checkInstitutionRef(ctx, faults, file, `/queries/${i}/institution`, q.institution, 'institution'));
  // issue 23: a statement grant names a bank and the institutions whose accounts it holds
  (a.statements ?? []).forEach((s, i) => {
    checkInstitutionRef(ctx, faults, file, `/statements/${i}/institution`, s.institution, 'institution');
    s.for.forEach((f, j) => checkInstitutionRef(ctx, faults, file, `/statements/${i}/for/${j}`, f, 'institution'));
  });
}
