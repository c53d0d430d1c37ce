/**
 * Classification: which clearances a message needs, and whether an institution holds them.
 *
 * The rule (invariant 6, written out in docs/contracts.md, "Classification"):
 * - A message needs clearance `juvenile` when its envelope says `juvenile`, when its payload marks a
 *   juvenile (`/juvenile`, `/subject/juvenile` or `/detainee/juvenile` is true, or an element of `/parties` has
 *   role "juvenile"), when its type declares `"x-wasla-classification": "juvenile"` in its schema, or
 *   when a grant it matched declares `"classification": "juvenile"` (e.g. every grant of a juvenile
 *   court). Likewise `gbv` (no payload marker: envelope, type or grant).
 * - Both may apply; a recipient must then hold both clearances.
 * - `public` and `restricted` need no clearance: need-to-know for them is the agreement itself.
 */
import { isClearance, type Classification, type Clearance, type Institution } from '../federation/index.js';
import { JUVENILE_FLAGS } from './model.js';
import { valueAt, isPlainObject } from '../json/index.js';

export { isClearance, type Clearance };

/** Whether the payload itself marks a juvenile subject. Only a literal `true` / `"juvenile"` counts. */
export function payloadIsJuvenile(data: unknown): boolean {
  for (const flag of JUVENILE_FLAGS) if (valueAt(data, flag) === true) return true;
  const parties = valueAt(data, '/parties');
  if (Array.isArray(parties)) {
    for (const p of parties) if (isPlainObject(p) && p.role === 'juvenile') return true;
  }
  return false;
}

export function isCleared(inst: Pick<Institution, 'clearances'>, required: ReadonlySet<Clearance>): boolean {
  for (const c of required) if (!inst.clearances.includes(c)) return false;
  return true;
}

/**
 * The single classification a decision reports: the envelope's if it already names a clearance
 * class, else juvenile, else gbv, else the envelope's (public or restricted, or restricted when a
 * grant raised it so).
 */
export function effectiveClassification(envelope: Classification, required: ReadonlySet<Clearance>, restricted: boolean): Classification {
  if (isClearance(envelope)) return envelope;
  if (required.has('juvenile')) return 'juvenile';
  if (required.has('gbv')) return 'gbv';
  if (restricted) return 'restricted';
  return envelope;
}
