/**
 * Retention declarations (issue 26.7): `contracts/retention.json` says, per message type (and major
 * when they differ), how long the hub keeps a payload after receiving it; past that, retention
 * purges the payload and keeps everything else (store/retention.ts). The file is part of the
 * contract set: `wasla contracts check` and every load check it, and a set whose declarations the
 * hub could not apply (an unknown type or major, a bad or too short duration, a type declared
 * twice) does not load.
 *
 * A type with no declaration is never purged: a purge cannot be undone, so the hub forgets nothing
 * that nobody decided it may forget. A missing file declares nothing.
 *
 * Pure apart from reading the file; `purgeRules` takes the time it is given.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDuration, parseDuration, type Duration } from '../federation/duration.js';
import type { Catalogue } from '../schemas/types.js';

export const RETENTION_FILE = 'retention.json';

/** where faults go (contract-files.ts FaultList; a structural type keeps routing's modules free of cycles) */
export interface FaultList {
  add(file: string, pointer: string, detail: string): void;
}

/** the shortest period a declaration may give: a purge within a day of receipt is a mistake, not a policy */
const MIN_DAYS = 1;
const MAX_WHY = 500;

export interface RetentionRule {
  type: string;
  /** the major it applies to; absent: every major of the type without a rule of its own */
  major?: number;
  /** the ISO 8601 duration as written, e.g. `P5Y` */
  keep: string;
  duration: Duration;
  /** why this period, for whoever reviews it */
  why: string;
}

export interface RetentionPolicy {
  rules: readonly RetentionRule[];
}

export const NO_RETENTION: RetentionPolicy = Object.freeze({ rules: Object.freeze([]) as readonly RetentionRule[] });

const majorOf = (version: string) => Number(version.split('.')[0]);

/** The rule for a type's major: its own, else the type's; undefined: kept for ever. */
export function retentionOf(policy: RetentionPolicy, type: string, major: number): RetentionRule | undefined {
  return policy.rules.find((r) => r.type === type && r.major === major) ?? policy.rules.find((r) => r.type === type && r.major === undefined);
}

/** One row per published (type, major) with a period: messages received before `cutoff` are past it. */
export interface PurgeRule {
  type: string;
  major: number;
  keep: string;
  cutoff: string;
}

/**
 * The cut-off of each published (type, major) with a period, at `now`: a message received before
 * `now - keep` is past its period. Years and months move the calendar (federation/duration.ts).
 */
export function purgeRules(policy: RetentionPolicy, catalogue: Catalogue, now: Date): PurgeRule[] {
  const out: PurgeRule[] = [];
  const seen = new Set<string>();
  for (const ref of catalogue.list()) {
    const major = majorOf(ref.version);
    const key = `${ref.type}@${major}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const rule = retentionOf(policy, ref.type, major);
    if (rule) out.push({ type: ref.type, major, keep: rule.keep, cutoff: addDuration(now, rule.duration, -1).toISOString() });
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Read and check `retention.json` of the contracts dir; every fault goes to `faults`. */
export function loadRetention(root: string, catalogue: Catalogue, faults: FaultList): RetentionPolicy {
  const path = join(root, RETENTION_FILE);
  if (!existsSync(path)) return NO_RETENTION;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    faults.add(RETENTION_FILE, '', `not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    return NO_RETENTION;
  }
  return checkRetention(doc, catalogue, faults);
}

/** Check a parsed declaration document against the catalogue. */
export function checkRetention(doc: unknown, catalogue: Catalogue, faults: FaultList): RetentionPolicy {
  const add = (pointer: string, detail: string) => faults.add(RETENTION_FILE, pointer, detail);
  if (!isObject(doc)) {
    add('', 'must be an object with "types": [{ "type", "major"?, "keep", "why" }]');
    return NO_RETENTION;
  }
  for (const k of Object.keys(doc)) if (k !== 'types' && k !== '$comment') add(`/${k}`, `unknown property "${k.slice(0, 40)}"`);
  if (!Array.isArray(doc.types)) {
    add('/types', 'must be an array of { "type", "major"?, "keep", "why" }');
    return NO_RETENTION;
  }
  const published = new Map<string, Set<number>>();
  for (const ref of catalogue.list()) {
    const majors = published.get(ref.type) ?? new Set<number>();
    majors.add(majorOf(ref.version));
    published.set(ref.type, majors);
  }
  const rules: RetentionRule[] = [];
  const declared = new Map<string, number>();
  doc.types.forEach((d: unknown, i: number) => {
    const at = `/types/${i}`;
    if (!isObject(d)) return add(at, 'must be an object { "type", "major"?, "keep", "why" }');
    let ok = true;
    const bad = (member: string, detail: string) => {
      ok = false;
      add(`${at}/${member}`, detail);
    };
    for (const k of Object.keys(d)) if (!['type', 'major', 'keep', 'why'].includes(k)) bad(k, `unknown property "${k.slice(0, 40)}"`);
    const type = d.type;
    if (typeof type !== 'string') bad('type', 'must be a message type of the catalogue');
    else if (!published.has(type)) bad('type', `unknown message type ${JSON.stringify(type.slice(0, 100))}: not in the catalogue`);
    if (d.major !== undefined) {
      if (!Number.isInteger(d.major) || (d.major as number) < 0) bad('major', 'must be a whole number');
      else if (typeof type === 'string' && published.has(type) && !published.get(type)!.has(d.major as number)) bad('major', `${type} has no published major ${d.major}`);
    }
    const duration = parseDuration(d.keep);
    if (d.keep === undefined) bad('keep', 'missing required property "keep": an ISO 8601 duration such as "P5Y"');
    else if (!duration) bad('keep', `${JSON.stringify(String(d.keep).slice(0, 40))} is not an ISO 8601 duration such as "P5Y", "P18M" or "P90D"`);
    else if (addDuration(new Date(0), duration).getTime() < MIN_DAYS * 86_400_000) bad('keep', `at least P${MIN_DAYS}D: a payload purged sooner could not even be delivered`);
    if (typeof d.why !== 'string' || d.why.trim() === '') bad('why', 'missing the reason for this period ("why"), for whoever reviews it');
    else if (d.why.length > MAX_WHY) bad('why', `at most ${MAX_WHY} characters`);
    if (!ok || typeof type !== 'string' || !duration) return;
    const key = `${type}@${d.major ?? '*'}`;
    if (declared.has(key)) return add(at, `${type}${d.major === undefined ? '' : ` major ${d.major}`} is already declared at /types/${declared.get(key)}`);
    declared.set(key, i);
    rules.push({ type, ...(d.major !== undefined && { major: d.major as number }), keep: d.keep as string, duration, why: d.why as string });
  });
  return Object.freeze({ rules: Object.freeze(rules) });
}
