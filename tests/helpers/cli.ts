/**
 * Test support: runs the `wasla` CLI (src/cli/main.ts) in a child process, as a user would, with
 * none of the client variables of the environment the tests run in (WASLA_HUB_URL, key and
 * certificate files), so that only the arguments a test passes decide what it does.
 */
import { spawn } from 'node:child_process';

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

const CLIENT_VARIABLES = ['WASLA_HUB_URL', 'WASLA_KEY_FILE', 'WASLA_CERT_FILE', 'WASLA_CA_FILE', 'WASLA_HUB_CERT_FILE'];

/** runs `wasla …args`; `onErr` sees its stderr as it comes (to act while it is still running) */
export function runCli(args: string[], onErr?: (soFar: string) => void): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const v of CLIENT_VARIABLES) delete env[v];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => {
      err += c;
      onErr?.(err);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}
