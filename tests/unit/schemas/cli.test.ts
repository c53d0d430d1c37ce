import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultMessagesDir, register } from '../../../src/cli/commands/schemas.js';
import { CATALOGUE_DIR, copyCatalogue, readJson, writeJson } from './helpers.js';

let out = '';
let err = '';
const dirs: string[] = [];
/** what the catalogue publishes: every schema its lock records, in one folder per type */
const published = Object.keys(readJson(path.join(CATALOGUE_DIR, 'catalogue.lock.json'))).length;
const types = fs.readdirSync(CATALOGUE_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).length;

beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  process.exitCode = undefined;
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  vi.unstubAllEnvs();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function wasla(...args: string[]): Promise<number> {
  const program = new Command().name('wasla').exitOverride();
  register(program);
  await program.parseAsync(['node', 'wasla', ...args]);
  return Number(process.exitCode ?? 0);
}

describe('wasla schemas', () => {
  it('check: prints a summary and exits 0 on a sound catalogue', async () => {
    expect(await wasla('schemas', 'check', CATALOGUE_DIR)).toBe(0);
    expect(out).toBe(`catalogue ok: ${published} schemas, ${types} types\n`);
    expect(err).toBe('');
  });

  it('check: prints each fault as <file>: <pointer>: <reason> and exits 1', async () => {
    const dir = copyCatalogue();
    dirs.push(dir);
    const file = path.join(dir, 'notification.served/1.0.schema.json');
    const doc = readJson(file);
    doc.examples[0].outcome = 'lost';
    writeJson(file, doc);
    expect(await wasla('schemas', 'check', dir)).toBe(1);
    expect(out).toBe('');
    expect(err.split('\n')).toEqual([
      `${file}: /examples/0/outcome: example 0 does not validate: must be one of "delivered", "failed", "refused"`,
      `${file}: (root): published schemas are immutable; publish a new minor instead (its sha-256 differs from the one in catalogue.lock.json)`,
      '2 faults',
      '',
    ]);
  });

  it('check: defaults to $WASLA_CONTRACTS_DIR/messages', async () => {
    const contracts = fs.mkdtempSync(path.join(os.tmpdir(), 'wasla-contracts-'));
    dirs.push(contracts);
    fs.cpSync(CATALOGUE_DIR, path.join(contracts, 'messages'), { recursive: true });
    vi.stubEnv('WASLA_CONTRACTS_DIR', contracts);
    expect(defaultMessagesDir()).toBe(path.join(contracts, 'messages'));
    expect(await wasla('schemas', 'check')).toBe(0);
    expect(out).toContain('catalogue ok');
    vi.stubEnv('WASLA_CONTRACTS_DIR', '');
    expect(defaultMessagesDir()).toBe(path.join('contracts', 'messages'));
  });

  it('lock: records new schemas, then has nothing to add', async () => {
    const dir = copyCatalogue();
    dirs.push(dir);
    fs.rmSync(path.join(dir, 'catalogue.lock.json'));
    expect(await wasla('schemas', 'lock', dir)).toBe(0);
    expect(out).toContain('locked warrant.issued/2.0.schema.json\n');
    expect(out).toContain(`: ${published} schemas added\n`);
    out = '';
    expect(await wasla('schemas', 'lock', dir)).toBe(0);
    expect(out).toMatch(/: 0 schemas added\n$/);
  });

  it('lock: refuses a catalogue with faults and writes nothing', async () => {
    const dir = copyCatalogue();
    dirs.push(dir);
    const lock = fs.readFileSync(path.join(dir, 'catalogue.lock.json'), 'utf8');
    fs.writeFileSync(path.join(dir, 'warrant.issued/1.2.schema.json'), '{');
    expect(await wasla('schemas', 'lock', dir)).toBe(1);
    expect(err).toContain('nothing locked');
    expect(fs.readFileSync(path.join(dir, 'catalogue.lock.json'), 'utf8')).toBe(lock);
  });

  it('list: one line per published version, or JSON', async () => {
    expect(await wasla('schemas', 'list', CATALOGUE_DIR)).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(published + 1);
    expect(lines[0]).toMatch(/^type\s+version\s+title$/);
    expect(lines).toContainEqual(expect.stringMatching(/^warrant\.issued\s+2\.0\s+Warrant issued \(2\.0\)$/));
    out = '';
    await wasla('schemas', 'list', CATALOGUE_DIR, '--json');
    const rows = JSON.parse(out);
    expect(rows).toHaveLength(published);
    expect(rows.find((r: { type: string; version: string }) => r.type === 'alimony.order' && r.version === '1.0')).toEqual({
      type: 'alimony.order',
      version: '1.0',
      major: 1,
      minor: 0,
      title: 'Alimony order (1.0)',
    });
  });
});
