/**
 * Loading the XML mappings of a contract set (`<contracts>/mappings/<type>/<major>.json`), each
 * checked against the catalogue the set was loaded with (formats/xml/mapping-check.ts): a mapping
 * that names a field its schema does not have, leaves one uncarried or sits in the wrong file is a
 * contract fault like any other, so a faulty mapping stops a start or a reload, never a delivery.
 * A contract set without a `mappings` folder has no mappings.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalogue } from '../schemas/types.js';
import { loadMapping, mappingSet, NO_MAPPINGS, type CatalogueSchemas, type LoadedMapping, type MappingSet } from '../formats/xml/index.js';
import { isFormatError } from '../formats/index.js';
import type { FaultList } from './contract-files.js';

export function catalogueSchemas(catalogue: Catalogue): CatalogueSchemas {
  return {
    latestSchema(type, major) {
      const latest = catalogue.has(type) ? catalogue.latest(type, major) : undefined;
      return latest && latest.version.split('.')[0] === String(major) ? catalogue.get(type, latest.version) : undefined;
    },
  };
}

export function loadMappings(root: string, catalogue: Catalogue, faults: FaultList): MappingSet {
  const dir = join(root, 'mappings');
  if (!existsSync(dir)) return NO_MAPPINGS;
  const schemas = catalogueSchemas(catalogue);
  const loaded: LoadedMapping[] = [];
  for (const type of readdirSync(dir).sort()) {
    if (!statSync(join(dir, type)).isDirectory()) continue;
    for (const f of readdirSync(join(dir, type)).sort()) {
      if (!f.endsWith('.json')) continue;
      const file = `mappings/${type}/${f}`;
      try {
        const mapping = loadMapping(join(dir, type, f), schemas);
        if (mapping.type !== type || `${mapping.major}.json` !== f) {
          faults.add(file, '', `a mapping of ${mapping.type} major ${mapping.major} belongs in mappings/${mapping.type}/${mapping.major}.json`);
          continue;
        }
        loaded.push({ mapping, version: catalogue.latest(type, mapping.major)!.version, file });
      } catch (err) {
        if (!isFormatError(err)) throw err;
        faults.add(file, err.pointer ?? '', `${err.code}: ${err.message.replace(`${join(dir, type, f)}: `, '')}`);
      }
    }
  }
  return mappingSet(loaded);
}
