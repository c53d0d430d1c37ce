/**
 * The catalogue's examples come from the federation itself: every example of every schema validates
 * against its schema and names only institutions of the contract set (or units of them, where the
 * field admits a unit). The schemas published before issue 27 cannot change (catalogue.lock.json);
 * those of them whose examples name institutions that do not exist must each be superseded by a
 * later minor of their major whose examples are the federation's own.
 */
import { describe, expect, it } from 'vitest';
import { hashSchema } from '../../../src/schemas/index.js';
import { LEGACY_SCHEMAS } from '../../../src/schemas/authoring.js';
import { loadContracts } from '../../../src/routing/index.js';
import fs from 'node:fs';
import path from 'node:path';
import { DEMO } from './helpers.js';

const contracts = loadContracts(DEMO, { env: {} });
const cat = contracts.catalogue;
const members = [...contracts.institutions.keys()];

type Schema = Record<string, any>;

/** Every value in `data` that its schema types as an institution id: the definition's name, the value, where. */
function institutionIds(root: Schema, node: Schema, data: unknown, at: string, out: Array<{ def: string; value: string; at: string }>): void {
  let s = node;
  let def: string | undefined;
  for (let hops = 0; hops < 32 && typeof s.$ref === 'string'; hops++) {
    def = s.$ref.slice('#/$defs/'.length);
    s = root.$defs[def!];
  }
  if (def === 'institutionId' || def === 'unitId') {
    if (typeof data === 'string') out.push({ def, value: data, at });
    return;
  }
  if (s.type === 'object' && typeof data === 'object' && data !== null) {
    for (const [k, v] of Object.entries(data)) if (s.properties?.[k]) institutionIds(root, s.properties[k], v, `${at}/${k}`, out);
  } else if (s.type === 'array' && Array.isArray(data)) {
    data.forEach((v, i) => institutionIds(root, s.items, v, `${at}/${i}`, out));
  }
}

function legacy(type: string, version: string): boolean {
  const file = path.join(DEMO, 'messages', type, `${version}.schema.json`);
  return LEGACY_SCHEMAS.has(hashSchema(fs.readFileSync(file)));
}

/** The institution ids an example names that are not of the federation, as "<pointer>: <id>". */
function strangers(type: string, version: string): string[] {
  const doc = cat.get(type, version)! as Schema;
  const out: string[] = [];
  (doc.examples as unknown[]).forEach((ex, i) => {
    const ids: Array<{ def: string; value: string; at: string }> = [];
    institutionIds(doc, doc, ex, `/examples/${i}`, ids);
    for (const id of ids) {
      // a unit's id is its institution's id and more segments; the 1.x schemas' institutionId says
      // "an institution or one of its units" (so do their later minors), newer ones say unitId
      const unitAllowed = /units?\b/.test(String(doc.$defs[id.def]?.description));
      const ok = members.includes(id.value) || (unitAllowed && members.some((m) => id.value.startsWith(`${m}.`)));
      if (!ok) out.push(`${id.at}: ${id.value}`);
    }
  });
  return out;
}

describe("the catalogue's examples", () => {
  for (const ref of cat.list()) {
    it(`${ref.type}@${ref.version}: every example validates${legacy(ref.type, ref.version) ? '' : ' and names only institutions of the contract set'}`, () => {
      for (const ex of cat.get(ref.type, ref.version)!.examples as unknown[]) expect(cat.validate(ref.type, ref.version, ex)).toEqual([]);
      const found = strangers(ref.type, ref.version);
      if (!legacy(ref.type, ref.version)) {
        expect(found).toEqual([]);
        return;
      }
      if (found.length === 0) return;
      // published before the examples had to come from the federation: a later minor replaces them
      const later = cat.list().filter((r) => r.type === ref.type && r.major === ref.major && r.minor > ref.minor && !legacy(r.type, r.version));
      expect(
        later.map((r) => r.version),
        `${ref.type}@${ref.version} names ${found.join(', ')} and no later minor replaces its examples`,
      ).not.toEqual([]);
      for (const r of later) expect(strangers(r.type, r.version)).toEqual([]);
    });
  }

  it('finds the institution ids it checks (the walk is not vacuous)', () => {
    const ids: Array<{ def: string; value: string; at: string }> = [];
    const doc = cat.get('decision.issued', '1.1')! as Schema;
    institutionIds(doc, doc, (doc.examples as unknown[])[0], '', ids);
    expect(ids.map((i) => i.value)).toEqual(['ps.hjc.appeal-court.ramallah', 'ps.police.judicial', 'ps.police.judicial', 'ps.police.crc.jneid', 'ps.mof', 'ps.ago.prosecution']);
    expect(strangers('decision.issued', '1.0')).toContain('/examples/1/court/id: jo.jc.court.amman-magistrate');
  });
});
