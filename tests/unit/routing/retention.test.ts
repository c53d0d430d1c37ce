/**
 * Retention declarations (issue 26.7, contracts/retention.json): `wasla contracts check` and every
 * load refuse a declaration the hub could not apply, each fault with its pointer; a type without a
 * declaration has no period; cut-offs move the calendar as the durations say.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { register } from '../../../src/cli/commands/contracts.js';
import { ContractError } from '../../../src/errors.js';
import { loadContracts, purgeRules, retentionOf } from '../../../src/routing/index.js';
import { DEMO } from './helpers.js';

function copyWith(retention: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasla-retention-'));
  fs.cpSync(DEMO, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'retention.json'), typeof retention === 'string' ? retention : JSON.stringify(retention));
  return dir;
}

function faultsOf(dir: string): string[] {
  try {
    loadContracts(dir);
  } catch (err) {
    if (!(err instanceof ContractError)) throw err;
    return (err.faults as Array<{ file?: string; pointer: string; detail: string }>).filter((f) => f.file === 'retention.json').map((f) => `${f.pointer}: ${f.detail}`);
  }
  return [];
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('retention declarations', () => {
  it('the demo federation declares a period, with its reason, for every type of its catalogue', () => {
    const c = loadContracts(DEMO);
    const types = new Set(c.catalogue.list().map((r) => r.type));
    expect([...types].filter((t) => !retentionOf(c.retention!, t, 1))).toEqual([]);
  });

  it('refuses an unknown type, an unpublished major, a bad or sub-day duration, a missing reason, an unknown member and a type declared twice', () => {
    const dir = copyWith({
      types: [
        { type: 'warrant.issud', keep: 'P5Y', why: 'typo' },
        { type: 'warrant.issued', major: 9, keep: 'P5Y', why: 'no such major' },
        { type: 'traffic-fine.issued', keep: '5 years', why: 'not ISO 8601' },
        { type: 'traffic-fine.paid', keep: 'PT2H', why: 'too short' },
        { type: 'traffic-fine.contested', keep: 'P1Y' },
        { type: 'decision.issued', keep: 'P1Y', why: 'ok', until: 'never' },
        { type: 'detention.ordered', keep: 'P1Y', why: 'first' },
        { type: 'detention.ordered', keep: 'P2Y', why: 'again' },
      ],
    });
    expect(faultsOf(dir)).toEqual([
      '/types/0/type: unknown message type "warrant.issud": not in the catalogue',
      '/types/1/major: warrant.issued has no published major 9',
      '/types/2/keep: "5 years" is not an ISO 8601 duration such as "P5Y", "P18M" or "P90D"',
      '/types/3/keep: at least P1D: a payload purged sooner could not even be delivered',
      '/types/4/why: missing the reason for this period ("why"), for whoever reviews it',
      '/types/5/until: unknown property "until"',
      '/types/7: detention.ordered is already declared at /types/6',
    ]);
  });

  it('refuses a file that is not JSON or not the right shape', () => {
    expect(faultsOf(copyWith('{ "types": ['))[0]).toMatch(/^: not valid JSON/);
    expect(faultsOf(copyWith({ rules: [] }))).toEqual(['/rules: unknown property "rules"', '/types: must be an array of { "type", "major"?, "keep", "why" }']);
  });

  it('`wasla contracts check` prints each fault of retention.json and exits 1', async () => {
    const dir = copyWith({ types: [{ type: 'warrant.issued', keep: 'P0D', why: 'none' }] });
    let err = '';
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    const o = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const program = new Command().name('wasla').exitOverride();
      register(program);
      await program.parseAsync(['node', 'wasla', 'contracts', 'check', dir]);
    } finally {
      e.mockRestore();
      o.mockRestore();
    }
    expect(process.exitCode).toBe(1);
    expect(err).toContain(`${path.join(dir, 'retention.json')}: /types/0/keep: at least P1D`);
  });

  it('a type without a declaration has no period, and a major of its own overrides the type', () => {
    const dir = copyWith({
      types: [
        { type: 'warrant.issued', keep: 'P10Y', why: 'all majors' },
        { type: 'warrant.issued', major: 3, keep: 'P1Y', why: 'major 3' },
      ],
    });
    const c = loadContracts(dir);
    const now = new Date('2026-03-31T12:00:00.000Z');
    const rules = purgeRules(c.retention!, c.catalogue, now);
    expect(rules).toEqual([
      { type: 'warrant.issued', major: 1, keep: 'P10Y', cutoff: '2016-03-31T12:00:00.000Z' },
      { type: 'warrant.issued', major: 2, keep: 'P10Y', cutoff: '2016-03-31T12:00:00.000Z' },
      { type: 'warrant.issued', major: 3, keep: 'P1Y', cutoff: '2025-03-31T12:00:00.000Z' },
    ]);
    expect(retentionOf(c.retention!, 'traffic-fine.issued', 1)).toBeUndefined();
  });

  it('no retention.json: nothing is ever purged', () => {
    const dir = copyWith('{}');
    fs.rmSync(path.join(dir, 'retention.json'));
    const c = loadContracts(dir);
    expect(purgeRules(c.retention!, c.catalogue, new Date())).toEqual([]);
  });
});
