/**
 * A temp copy of the demo contract set in which the judicial police receive XML (`xml-http`):
 * every grant target that reaches `ps.police.judicial` with a message type that has no mapping at
 * its pinned major is removed (the contract check would refuse it otherwise), so what remains
 * reaches the police only as warrant.issued majors 1 and 3, whose mappings ship in contracts/.
 * The hub's own alerts and delivery notices (deadlines.json, delivery-notices.json) reach the
 * police by pattern and have no XML mapping: those two agreements are left out of the copy.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTRACTS } from './contracts.js';

export const XML_POLICE = 'ps.police.judicial';

export function contractsWithXmlRecipient(institution = XML_POLICE, patchGrant: (g: Record<string, any>) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasla-contracts-xml-'));
  cpSync(CONTRACTS, dir, { recursive: true });
  const ifile = join(dir, 'institutions', `${institution}.json`);
  const inst = JSON.parse(readFileSync(ifile, 'utf8'));
  inst.adapter = 'xml-http';
  writeFileSync(ifile, JSON.stringify(inst, null, 2));
  const mapped = (type: string, major: number) => existsSync(join(dir, 'mappings', type, `${major}.json`));
  const adir = join(dir, 'agreements');
  for (const f of ['deadlines.json', 'delivery-notices.json']) rmSync(join(adir, f), { force: true });
  for (const f of readdirSync(adir).filter((x) => x.endsWith('.json'))) {
    const a = JSON.parse(readFileSync(join(adir, f), 'utf8'));
    for (const g of a.grants) {
      g.to = g.to.filter((t: any) => t.recipient !== institution || g.types.every((type: string) => mapped(type, t.major)));
      patchGrant(g);
    }
    a.grants = a.grants.filter((g: any) => g.to.length > 0);
    writeFileSync(join(adir, f), JSON.stringify(a, null, 2));
  }
  return dir;
}
