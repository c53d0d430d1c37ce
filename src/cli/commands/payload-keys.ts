/**
 * `wasla payload-keys status|rewrap|new` (issue 26): an admin sees how many encrypted payloads
 * each key-encryption key wraps, and moves them under the current key now (the worker does it in
 * the background too) — both over the API, signed with an operator certificate of role admin, on
 * the audit log. `new` prints a fresh key entry for the configuration; it talks to no hub.
 */
import type { Command } from 'commander';
import { newPayloadKeyEntry } from '../../record/payload-keys.js';
import { addClientOptions, type HubClientOptions, hubRequest, printAnswer } from '../hub-client.js';

type Opts = Partial<HubClientOptions> & { limit?: string };

export function register(program: Command): void {
  const keys = program.command('payload-keys').description('the keys that wrap confidential payloads at rest: rotation status and rewrap (admins: sign with an operator certificate of role admin)');
  addClientOptions(keys.command('status'))
    .description('encrypted payloads per key id, and how many are not yet under the current key')
    .action(async (o: Opts) => {
      printAnswer(await hubRequest(o, 'GET', '/v1/admin/payload-keys'));
    });
  addClientOptions(keys.command('rewrap'))
    .description('move data keys under the current key now (up to --limit), instead of waiting for the background rewrap')
    .option('--limit <n>', 'data keys to move at most (default 10000)')
    .action(async (o: Opts) => {
      printAnswer(await hubRequest(o, 'POST', `/v1/admin/payload-keys/rewrap${o.limit ? `?limit=${encodeURIComponent(o.limit)}` : ''}`));
    });
  keys
    .command('new <id>')
    .description('print a new key entry <id>:<base64 of 32 random bytes>, to add to WASLA_PAYLOAD_KEYS or its file (second first, then first: docs/record.md)')
    .action((id: string) => {
      process.stdout.write(`${newPayloadKeyEntry(id)}\n`);
    });
}
