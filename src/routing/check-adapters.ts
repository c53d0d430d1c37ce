/**
 * The contract set against the adapters the hub has: an institution names an adapter with an
 * implementation (the federation's list of names is wider than what this hub implements: a name
 * still being built is refused here, not at the first delivery), and every grant reaches each
 * recipient only with message types its adapter can encode at the major the recipient pinned
 * (xml-http: a mapping for that type and major). A contract set that passes cannot plan a
 * delivery that would end dead as "no adapter" or "cannot encode".
 */
import { adapterFor, adapterNames } from '../adapters/index.js';
import type { Agreement, Institution } from '../federation/index.js';
import type { MappingSet } from '../formats/xml/index.js';
import type { FaultList } from './contract-files.js';
import { matches } from './pattern.js';

export function checkInstitutionAdapters(institutions: ReadonlyMap<string, Institution>, faults: FaultList): void {
  for (const i of institutions.values()) {
    if (!adapterFor(i.adapter)) faults.add(`institutions/${i.id}.json`, '/adapter', `adapter "${i.adapter}" has no implementation in this hub (implemented: ${adapterNames().join(', ')})`);
  }
}

export function checkGrantEncodable(institutions: ReadonlyMap<string, Institution>, mappings: MappingSet, faults: FaultList, a: Agreement, knownType: (t: string) => boolean): void {
  a.grants.forEach((g, gi) => {
    g.to.forEach((t, ti) => {
      for (const inst of institutions.values()) {
        if (!matches(t.recipient, inst.id)) continue;
        const adapter = adapterFor(inst.adapter);
        if (!adapter) continue; // refused once, on the institution
        for (const type of g.types) {
          if (!knownType(type)) continue;
          const why = adapter.cannotEncode(type, t.major, { mappings });
          if (why) faults.add(a.file, `/grants/${gi}/to/${ti}/recipient`, `${inst.id} receives ${inst.adapter}, which cannot encode ${type} major ${t.major}: ${why}`);
        }
      }
    });
  });
}
