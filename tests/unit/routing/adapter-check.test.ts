/**
 * The contract check against the adapters the hub has (routing/check-adapters.ts, issue 22): an
 * adapter name without an implementation is refused on the institution, and a grant reaching an
 * institution whose adapter cannot encode the type at the pinned major is refused on the grant.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContractError } from '../../../src/errors.js';
import { loadContracts } from '../../../src/routing/index.js';
import { checkInstitutionAdapters } from '../../../src/routing/check-adapters.js';
import { FaultList } from '../../../src/routing/contract-files.js';
import type { Institution } from '../../../src/federation/index.js';
import { CONTRACTS } from '../../helpers/contracts.js';
import { contractsWithXmlRecipient, XML_POLICE } from '../../helpers/xml-contracts.js';

function copy(patch: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasla-adapter-check-'));
  cpSync(CONTRACTS, dir, { recursive: true });
  patch(dir);
  return dir;
}

function setAdapter(dir: string, id: string, adapter: string): void {
  const f = join(dir, 'institutions', `${id}.json`);
  writeFileSync(f, JSON.stringify({ ...JSON.parse(readFileSync(f, 'utf8')), adapter }, null, 2));
}

function faultsOf(dir: string): Array<{ file: string; pointer: string; detail: string }> {
  try {
    loadContracts(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ContractError);
    return (err as ContractError).faults as Array<{ file: string; pointer: string; detail: string }>;
  }
  return [];
}

describe('the contract check and the adapters', () => {
  it('passes the shipped contract set, its three mappings loaded with the version each covers', () => {
    const c = loadContracts(CONTRACTS);
    // the bank receives pain.001 (iso20022); everyone else the JSON envelope
    expect([...c.institutions.values()].filter((i) => i.adapter !== 'json-http').map((i) => [i.id, i.adapter])).toEqual([['ps.bank.palestine', 'iso20022']]);
    expect(c.mappings.size).toBe(3);
    expect(c.mappings.get('warrant.issued', 1)).toMatchObject({ version: '1.2', file: 'mappings/warrant.issued/1.json' });
    expect(c.mappings.get('warrant.executed', 1)?.version).toBe('1.1');
    expect(c.mappings.get('warrant.issued', 2)).toBeUndefined();
  });

  it('refuses an institution whose adapter has no implementation', () => {
    // every name the contract schema allows is implemented today; the check stands for the next one
    const faults = new FaultList();
    checkInstitutionAdapters(new Map([['ps.x', { id: 'ps.x', adapter: 'carrier-pigeon' } as unknown as Institution]]), faults);
    expect(faults.list).toContainEqual({
      file: 'institutions/ps.x.json',
      pointer: '/adapter',
      detail: expect.stringMatching(/^adapter "carrier-pigeon" has no implementation in this hub \(implemented: json-http, xml-http, iso20022\)/),
    });
  });

  it('refuses every grant that would send iso20022 anything but a payout instruction', () => {
    const faults = faultsOf(copy((d) => setAdapter(d, XML_POLICE, 'iso20022')));
    expect(faults.map((f) => f.detail)).toContainEqual(
      expect.stringMatching(/^ps\.police\.judicial receives iso20022, which cannot encode warrant\.issued major \d+: the iso20022 adapter sends alimony\.payout-instruction only/),
    );
  });

  it('refuses every grant that would send xml-http a type and major without a mapping', () => {
    const faults = faultsOf(copy((d) => setAdapter(d, XML_POLICE, 'xml-http')));
    const details = faults.map((f) => f.detail);
    expect(details).toContainEqual(
      expect.stringMatching(/^ps\.police\.judicial receives xml-http, which cannot encode warrant\.cancelled major 1: xml-http has no mapping for warrant\.cancelled major 1/),
    );
    expect(details).toContainEqual(expect.stringMatching(/cannot encode decision\.issued major 1/));
    // warrant.issued majors 1 and 3 have mappings: not refused
    expect(details.some((d) => /cannot encode warrant\.issued/.test(d))).toBe(false);
    const f = faults.find((x) => /warrant\.cancelled/.test(x.detail))!;
    expect(f.file).toBe('agreements/warrants-courts-police.json');
    expect(f.pointer).toMatch(/^\/grants\/\d+\/to\/\d+\/recipient$/);
  });

  it('refuses a grant whose projection leaves out a field the mapping must write', () => {
    // child protection sees only part of a warrant and of an execution report: not enough for XML
    const faults = faultsOf(contractsWithXmlRecipient('ps.mosd.child-protection'));
    const executed = faults.find((f) => /warrant\.executed major 1 projected/.test(f.detail))!;
    expect(executed).toMatchObject({ file: 'agreements/juvenile-protection.json', pointer: expect.stringMatching(/^\/grants\/\d+\/to\/\d+\/fields$/) });
    expect(executed.detail).toMatch(/cannot write this message at \/data\/by: mapping-value-invalid/);
    expect(faults.map((f) => f.detail)).toContainEqual(expect.stringMatching(/warrant\.issued major 3 projected to these fields cannot be written/));
  });

  it('refuses a grant that starts needing a mapping that was removed', () => {
    const dir = contractsWithXmlRecipient();
    expect(loadContracts(dir).institution(XML_POLICE)?.adapter).toBe('xml-http');
    renameSync(join(dir, 'mappings', 'warrant.issued', '3.json'), join(dir, 'mappings', 'warrant.issued', '3.json.off'));
    expect(faultsOf(dir).map((f) => f.detail)).toContainEqual(expect.stringMatching(/cannot encode warrant\.issued major 3/));
  });

  it('refuses a mapping filed under another type or major, and one whose pointers its schema does not have', () => {
    const misfiled = faultsOf(
      copy((d) => {
        mkdirSync(join(d, 'mappings', 'warrant.cancelled'));
        cpSync(join(d, 'mappings', 'warrant.executed', '1.json'), join(d, 'mappings', 'warrant.cancelled', '1.json'));
      }),
    );
    expect(misfiled).toContainEqual({ file: 'mappings/warrant.cancelled/1.json', pointer: '', detail: expect.stringMatching(/belongs in mappings\/warrant\.executed\/1\.json/) });
    const unknownPointer = faultsOf(
      copy((d) => {
        const f = join(d, 'mappings', 'warrant.executed', '1.json');
        writeFileSync(f, readFileSync(f, 'utf8').replace('"/warrantNumber"', '"/warrantNumbr"'));
      }),
    );
    expect(unknownPointer.find((x) => x.file === 'mappings/warrant.executed/1.json')?.detail).toMatch(/^mapping-pointer-unknown/);
  });
});
