/**
 * The Catalogue the hub codes against (types.ts), built on a checked catalogue directory. Loading
 * refuses the whole catalogue — with a ContractError listing every fault and naming the files —
 * when any check fails, so the hub never starts on a catalogue it cannot vouch for. Each schema is
 * compiled once at load; validate() and translate() only run compiled code.
 */
import { ContractError, ValidationError } from '../errors.js';
import { toFaults, type SchemaFault } from './ajv.js';
import { inspectCatalogue, type CheckOptions, type CompiledSchema } from './check.js';
import { deepFreeze } from '../json/index.js';
import { translateChain } from './translate.js';
import type { Catalogue, SchemaRef } from './types.js';

/** The Catalogue, with validate() typed to say which keyword failed. */
export interface LoadedCatalogue extends Catalogue {
  readonly dir: string;
  validate(type: string, version: string, data: unknown): SchemaFault[];
}

export function loadCatalogue(dir: string, opts: CheckOptions = {}): LoadedCatalogue {
  const inspection = inspectCatalogue(dir, opts);
  const { faults } = inspection;
  if (faults.length > 0) {
    const shown = faults
      .slice(0, 5)
      .map((f) => `${f.file}: ${f.pointer || '(root)'}: ${f.detail}`)
      .join('\n  ');
    const more = faults.length > 5 ? `\n  ... and ${faults.length - 5} more (run "wasla schemas check")` : '';
    throw new ContractError(`the message catalogue in ${dir} is invalid (${faults.length} fault${faults.length === 1 ? '' : 's'}):\n  ${shown}${more}`, faults, faults[0].file);
  }

  const byKey = inspection.compiled;
  const refs: SchemaRef[] = [...byKey.values()].map((c) => Object.freeze({ ...c.ref })).sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.major - b.major || a.minor - b.minor));
  for (const c of byKey.values()) deepFreeze(c.doc);

  const latestByMajor = new Map<string, SchemaRef>();
  const majorsByType = new Map<string, number[]>();
  for (const r of refs) {
    latestByMajor.set(`${r.type}\u0000${r.major}`, r); // refs are sorted: the last minor wins
    const m = majorsByType.get(r.type) ?? [];
    if (!m.includes(r.major)) m.push(r.major);
    majorsByType.set(r.type, m);
  }

  const find = (type: string, version: string): CompiledSchema | undefined => byKey.get(`${type}@${version}`);
  const run = (c: CompiledSchema, data: unknown): SchemaFault[] => {
    // ajv reports through the function's `errors`; read them before anything else validates
    return c.validate(data) ? [] : toFaults(c.validate.errors);
  };
  const latest = (type: string, major?: number): SchemaRef | undefined => {
    const majors = majorsByType.get(type);
    if (!majors) return undefined;
    const m = major ?? majors[majors.length - 1];
    return latestByMajor.get(`${type}\u0000${m}`);
  };

  const catalogue: LoadedCatalogue = {
    dir,
    list: () => refs.slice(),
    get: (type, version) => find(type, version)?.doc,
    has: (type, version) => (version === undefined ? majorsByType.has(type) : byKey.has(`${type}@${version}`)),
    majors: (type) => (majorsByType.get(type) ?? []).slice(),
    latest,
    validate(type, version, data) {
      const c = find(type, version);
      if (!c) throw new ValidationError('unknown-message-version', `the catalogue has no ${type}@${version}`);
      return run(c, data);
    },
    translationRequires(type, toMajor) {
      const majors = majorsByType.get(type) ?? [];
      const out = new Set<string>();
      for (const from of majors) {
        const step = toMajor > from ? 1 : -1;
        for (let m = from; m !== toMajor && majors.includes(m + step); m += step) {
          for (const p of inspection.translators.find(type, m, m + step)?.requires ?? []) out.add(p);
        }
      }
      return [...out].sort();
    },
    translate(type, fromVersion, toMajor, data) {
      return translateChain(
        {
          translators: inspection.translators,
          latest: (t, m) => latest(t, m),
          has: (t, v) => find(t, v) !== undefined,
          validate: (t, v, d) => {
            const c = find(t, v);
            return c ? run(c, d) : undefined;
          },
        },
        type,
        fromVersion,
        toMajor,
        data,
      );
    },
  };
  return Object.freeze(catalogue);
}
