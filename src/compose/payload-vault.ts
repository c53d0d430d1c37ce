/**
 * The payload vault (issue 26): the key-encryption keys and the policy this process seals and opens
 * confidential payloads with (store/payload-store.ts).
 *
 * Guarantees:
 * - the keys are WASLA_PAYLOAD_KEYS or WASLA_PAYLOAD_KEYS_FILE when set; otherwise `payload.keys` in
 *   the PKI directory — beside the hub key and index.secret, shared by every process of a hub — made
 *   at the first start with one random key, mode 0600, atomically (a hard link that fails if another
 *   process made it first, so two processes starting together agree on one file);
 * - there is always a vault: a hub never has a reason to store a juvenile or gbv payload in clear;
 * - the file is read like WASLA_PAYLOAD_KEYS_FILE (a file others may read stops the start);
 * - neither the keys nor the file's text are ever logged.
 */
import { chmodSync, existsSync, linkSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { KeyConfigError } from '../record/errors.js';
import { loadPayloadKeyring, newPayloadKeyEntry, type PayloadKeyring } from '../record/payload-keys.js';
import type { PayloadVault } from '../store/index.js';

export const PAYLOAD_KEYS_FILE = 'payload.keys';

function readKeyFile(file: string): PayloadKeyring {
  try {
    return loadPayloadKeyring({ WASLA_PAYLOAD_KEYS_FILE: file })!;
  } catch (e) {
    // the file stands in for WASLA_PAYLOAD_KEYS: name that variable, as the table of docs/operating.md does
    if (e instanceof KeyConfigError) throw new ConfigError('WASLA_PAYLOAD_KEYS', e.message);
    throw e;
  }
}

function fileKeyring(pkiDir: string, log: Logger): PayloadKeyring {
  const file = join(pkiDir, PAYLOAD_KEYS_FILE);
  if (existsSync(file)) return readKeyFile(file);
  mkdirSync(pkiDir, { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
  writeFileSync(tmp, `# the keys that wrap confidential payloads' data keys; the first is current (docs/record.md)\n${newPayloadKeyEntry(id)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  try {
    linkSync(tmp, file); // fails if another process made it first: then its keys are the ones
    log.warn({ file }, 'made a new payload key file (first start); keep it with the PKI directory and apart from database backups: without it, encrypted payloads cannot be read');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  return readKeyFile(file);
}

export function payloadVault(cfg: Pick<Config, 'payloadKeyring' | 'payloadEncryption' | 'pkiDir'>, log: Logger): PayloadVault {
  return { keyring: cfg.payloadKeyring ?? fileKeyring(cfg.pkiDir, log), policy: cfg.payloadEncryption };
}
