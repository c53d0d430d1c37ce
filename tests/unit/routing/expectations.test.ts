/**
 * Expectations in agreements (issue 25): the demo federation's load; every fault the contract set
 * refuses names its file and pointer; what a message opens and answers (routing/expectations.ts).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContractError } from '../../../src/errors.js';
import { deadlineEffects, loadContracts } from '../../../src/routing/index.js';
import { CONTRACTS } from '../../helpers/contracts.js';

const FILE = 'agreements/deadlines.json';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function withDeadlines(patch: (doc: any) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasla-expect-'));
  dirs.push(dir);
  cpSync(CONTRACTS, dir, { recursive: true });
  const doc = JSON.parse(readFileSync(join(dir, FILE), 'utf8'));
  patch(doc);
  writeFileSync(join(dir, FILE), JSON.stringify(doc));
  return dir;
}

function faults(dir: string, env: Record<string, string> = {}): Array<{ file: string; pointer: string; detail: string }> {
  try {
    loadContracts(dir, { env });
  } catch (err) {
    if (err instanceof ContractError) return err.faults as Array<{ file: string; pointer: string; detail: string }>;
    throw err;
  }
  return [];
}

describe('expectations in the contract set', () => {
  it("loads the federation's five deadlines", () => {
    const c = loadContracts(CONTRACTS, { env: {} });
    expect(c.agreements.get('deadlines')?.expectations.map((e) => e.id)).toEqual(['detention-legal-limit', 'social-inquiry-report', 'child-turns-18', 'warrant-not-executed', 'fine-unpaid']);
    expect(c.timeZone).toBe('Asia/Hebron');
  });

  it('refuses unknown types, impossible pointers, bad durations, a zero period, and names each place', () => {
    const dir = withDeadlines((doc) => {
      doc.expectations[0].when.types = ['detention.forgotten'];
      doc.expectations[3].correlate.pointer = '/warrantSerial';
      doc.expectations[1].due = { every: 'P0D' };
      doc.expectations[4].expect.from = 'ps.nobody';
      doc.expectations[4].notify = ['ps.mot', 'ps.nowhere'];
    });
    const f = faults(dir).map((x) => `${x.file}: ${x.pointer}: ${x.detail}`);
    expect(f).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^agreements\/deadlines\.json: \/expectations\/0\/when\/types\/0: message type "detention.forgotten" is not in the catalogue/),
        expect.stringMatching(/\/expectations\/3\/correlate\/pointer: correlation pointer "\/warrantSerial" cannot exist in any published version of warrant.issued/),
        expect.stringMatching(/\/expectations\/1\/due\/every: a period of zero/),
        expect.stringMatching(/\/expectations\/4\/expect\/from: "ps.nobody" matches no institution/),
        expect.stringMatching(/\/expectations\/4\/notify\/1: "ps.nowhere" is not an institution/),
      ]),
    );
  });

  it('refuses an expectation whose alerts no grant of its agreement lets the hub send', () => {
    const dir = withDeadlines((doc) => {
      doc.grants[0].to = doc.grants[0].to.filter((t: { recipient: string }) => t.recipient !== 'ps.mot');
    });
    expect(faults(dir).map((x) => `${x.pointer}: ${x.detail}`)).toContainEqual(
      expect.stringMatching(/^\/expectations\/4\/notify\/0: no grant of this agreement lets ps.wasla.hub send deadline.missed to ps.mot/),
    );
  });

  it('refuses a malformed duration by the schema, and an unknown time zone', () => {
    expect(faults(withDeadlines((doc) => void (doc.expectations[4].due = { by: '/dueBy', plus: 'P1.5D' }))).map((x) => x.pointer)).toContain('/expectations/4/due');
    expect(faults(CONTRACTS, { WASLA_TIME_ZONE: 'Mars/Olympus' }).map((x) => x.detail)).toContainEqual(expect.stringMatching(/unknown time zone "Mars\/Olympus"/));
  });
});

describe('what a message does to deadlines', () => {
  const c = loadContracts(CONTRACTS, { env: {} });
  const at = new Date('2027-03-01T08:00:00Z');
  const fine = { fineNumber: 'TF-1', dueBy: '2027-04-17' };
  it('opens a deadline for a matching message, keyed by its correlation value, of its class', () => {
    const e = deadlineEffects(c, { id: 'm1', sender: 'ps.mot', type: 'traffic-fine.issued', classification: 'restricted', data: fine, receivedAt: at });
    expect(e.open).toEqual([
      expect.objectContaining({ agreement: 'deadlines', expectation: 'fine-unpaid', correlationKey: 'TF-1', classification: 'restricted', notify: ['ps.mot', 'ps.police.traffic'] }),
    ]);
    expect(e.open[0].dueAt.toISOString()).toBe('2027-04-17T21:00:00.000Z');
  });
  it('opens nothing when the correlation value is missing, and says why', () => {
    const e = deadlineEffects(c, { id: 'm1', sender: 'ps.mot', type: 'traffic-fine.issued', classification: 'public', data: { dueBy: '2027-04-17' }, receivedAt: at });
    expect(e.open).toEqual([]);
    expect(e.skipped).toEqual([{ agreement: 'deadlines', expectation: 'fine-unpaid', reason: 'no value at /fineNumber' }]);
  });
  it('answers only from the expected institution; a cancelling message withdraws, from a party', () => {
    const paid = (sender: string) => deadlineEffects(c, { id: 'm2', sender, type: 'traffic-fine.paid', classification: 'public', data: { fineNumber: 'TF-1' }, receivedAt: at }).answers;
    expect(paid('ps.mof')).toEqual([{ agreement: 'deadlines', expectation: 'fine-unpaid', correlationKey: 'TF-1', action: 'met' }]);
    expect(paid('ps.mot')).toEqual([]);
    const contested = deadlineEffects(c, {
      id: 'm3',
      sender: 'ps.hjc.magistrate-court.ramallah',
      type: 'traffic-fine.contested',
      classification: 'public',
      data: { fineNumber: 'TF-1' },
      receivedAt: at,
    });
    expect(contested.answers).toEqual([{ agreement: 'deadlines', expectation: 'fine-unpaid', correlationKey: 'TF-1', action: 'withdrawn' }]);
    const outsider = deadlineEffects(c, { id: 'm4', sender: 'ps.sjd.family-court.ramallah', type: 'traffic-fine.contested', classification: 'public', data: { fineNumber: 'TF-1' }, receivedAt: at });
    expect(outsider.answers).toEqual([]);
  });
});
