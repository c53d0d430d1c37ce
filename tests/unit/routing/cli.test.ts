import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { register } from '../../../src/cli/commands/contracts.js';
import { DEMO, edit } from './helpers.js';

async function run(...args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  process.exitCode = undefined;
  try {
    const program = new Command().name('wasla').exitOverride();
    register(program);
    await program.parseAsync(['node', 'wasla', ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = process.exitCode as number | undefined;
  process.exitCode = undefined;
  return { out, err, code };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('wasla contracts', () => {
  it('check prints a one-line summary for the demo federation', async () => {
    const r = await run('contracts', 'check', DEMO);
    expect(r.code).toBeUndefined();
    const files = (sub: string) => fs.readdirSync(path.join(DEMO, sub)).filter((f) => f.endsWith('.json'));
    const agreements = files('agreements');
    const grants = agreements.reduce((n, f) => n + JSON.parse(fs.readFileSync(path.join(DEMO, 'agreements', f), 'utf8')).grants.length, 0);
    const types = fs.readdirSync(path.join(DEMO, 'messages'), { withFileTypes: true }).filter((e) => e.isDirectory()).length;
    const schemas = Object.keys(JSON.parse(fs.readFileSync(path.join(DEMO, 'messages', 'catalogue.lock.json'), 'utf8'))).length;
    expect(r.out).toBe(`contracts ok: ${files('institutions').length} institutions, ${agreements.length} agreements, ${grants} grants, ${types} message types (${schemas} schemas)\n`);
  });

  it('check prints file: pointer: reason per fault and exits 1', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasla-cli-'));
    fs.cpSync(DEMO, dir, { recursive: true });
    edit(dir, 'agreements/traffic-fines.json', (d) => void (d.grants[0].to[2].fields = ['/amount/cents']));
    const r = await run('contracts', 'check', dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain('agreements/traffic-fines.json: /grants/0/to/2/fields/0: field "/amount/cents" cannot exist in traffic-fine.issued@1.1\n');
    expect(r.err).toMatch(/1 fault\n$/);
  });

  it('check uses $WASLA_CONTRACTS_DIR when no dir is given', async () => {
    vi.stubEnv('WASLA_CONTRACTS_DIR', path.join(os.tmpdir(), 'wasla-no-such-dir'));
    try {
      const r = await run('contracts', 'check');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/wasla-no-such-dir/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('routes prints sender pattern -> type -> recipients with major and fields', async () => {
    const r = await run('contracts', 'routes', DEMO);
    expect(r.code).toBeUndefined();
    expect(r.out).toContain('ps.hjc.court.*\n');
    expect(r.out).toContain('  warrant.issued\n    -> ps.police.judicial  major 1  fields /warrantNumber');
    expect(r.out).toContain('recipient from /executingAuthority; if /subject/juvenile equals false');
    const json = await run('contracts', 'routes', DEMO, '--json');
    const rows = json.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.find((x) => x.type === 'alimony.payout-instruction')).toMatchObject({ recipient: 'ps.bank.palestine', major: 1, reaches: ['ps.bank.palestine'] });
  });
});
