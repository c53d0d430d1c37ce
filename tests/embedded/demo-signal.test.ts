/**
 * Ctrl-C on `npm run demo`: the terminal's SIGINT reaches the demo more than once (npm and tsx relay
 * it too). Copies that arrive together are one Ctrl-C: the demo still stops the hub and the
 * receivers, removes its data, says so and exits 0.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm run demo and Ctrl-C', () => {
  it('stops in order when one Ctrl-C arrives three times', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], { env: { ...process.env, WASLA_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const end = Date.now() + 90_000;
    while (!out.includes('press Ctrl-C') && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(out, out).toContain('press Ctrl-C');
    for (let i = 0; i < 3; i++) {
      child.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await exited).toBe(0);
    expect(out).toContain('SIGINT: stopping the hub and the receivers…\nstopped.\n');
  }, 120_000);
});
