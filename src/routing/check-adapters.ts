/**
 * The contract set against the adapters the hub has: an institution names an adapter with an
 * implementation (the federation's list of names is wider than what this hub implements: a name
 * still being built is refused here, not at the first delivery), and every grant reaches each
 * recipient only with message types its adapter can encode at the major the recipient pinned
 * (xml-http: a mapping for that type and major). A contract set that passes cannot plan a
 * delivery that would end dead as "no adapter" or "cannot encode" for want of a mapping.
 *
 * A format that requires elements can also be broken by projection: a grant that gives a recipient
 * only some fields may leave out one its mapping must write. The check encodes each published
 * example of the type, projected to the grant's fields, with the recipient's adapter, and refuses
 * the grant when that fails — a check by example, not a proof, but it catches a projection that
 * drops a field every document has.
 */
import { adapterFor, adapterNames, type Adapter, type Envelope } from '../adapters/index.js';
import { schemaUri, type Agreement, type Institution } from '../federation/index.js';
import type { Catalogue } from '../schemas/types.js';
import { project } from './project.js';
import type { MappingSet } from '../formats/xml/index.js';
import type { FaultList } from './contract-files.js';
import { matches } from './pattern.js';

export function checkInstitutionAdapters(institutions: ReadonlyMap<string, Institution>, faults: FaultList): void {
  for (const i of institutions.values()) {
    if (!adapterFor(i.adapter)) faults.add(`institutions/${i.id}.json`, '/adapter', `adapter "${i.adapter}" has no implementation in this hub (implemented: ${adapterNames().join(', ')})`);
  }
}

/** why the type's published examples, projected to `fields`, cannot be encoded by `adapter`; undefined when they can */
function projectionBreaks(adapter: Adapter, inst: Institution, catalogue: Catalogue, mappings: MappingSet, type: string, major: number, fields: readonly string[]): string | undefined {
  if (fields.some((f) => f === '*' || f === '')) return undefined;
  const latest = catalogue.latest(type, major);
  const schema = latest && catalogue.get(type, latest.version);
  const examples = Array.isArray(schema?.examples) ? (schema.examples as unknown[]) : [];
  for (const example of examples) {
    const envelope = {
      specversion: '1.0',
      id: '00000000-0000-7000-8000-000000000000',
      source: 'ps.wasla.hub',
      type,
      dataschema: schemaUri(type, latest!.version),
      time: '2026-01-01T00:00:00Z',
      datacontenttype: 'application/json',
      classification: 'restricted',
      data: project(example, fields),
    } as Envelope;
    try {
      adapter.encode({ envelope, deliveryId: '00000000-0000-7000-8000-000000000001', attempt: 1 }, inst, { mappings });
    } catch (err) {
      return (err as Error).message;
    }
  }
  return undefined;
}

export function checkGrantEncodable(
  institutions: ReadonlyMap<string, Institution>,
  mappings: MappingSet,
  catalogue: Catalogue,
  faults: FaultList,
  a: Agreement,
  knownType: (t: string) => boolean,
): void {
  a.grants.forEach((g, gi) => {
    g.to.forEach((t, ti) => {
      for (const inst of institutions.values()) {
        if (!matches(t.recipient, inst.id)) continue;
        const adapter = adapterFor(inst.adapter);
        if (!adapter) continue; // refused once, on the institution
        for (const type of g.types) {
          if (!knownType(type)) continue;
          const why = adapter.cannotEncode(type, t.major, { mappings });
          if (why) {
            faults.add(a.file, `/grants/${gi}/to/${ti}/recipient`, `${inst.id} receives ${inst.adapter}, which cannot encode ${type} major ${t.major}: ${why}`);
            continue;
          }
          const broken = projectionBreaks(adapter, inst, catalogue, mappings, type, t.major, t.fields);
          if (broken) faults.add(a.file, `/grants/${gi}/to/${ti}/fields`, `${inst.id} receives ${inst.adapter}: ${type} major ${t.major} projected to these fields cannot be written (${broken})`);
        }
      }
    });
  });
}
