/**
 * The secrets of case queries (issue 24): the index secret, which keys national ids and names in the
 * case index, and the cursor secret derived from it, which signs pagination cursors.
 *
 * Guarantees:
 * - the index secret is WASLA_INDEX_SECRET when set; otherwise `index.secret` in the PKI directory
 *   (shared by every process of a hub), made at the first start from 32 random bytes, mode 0600,
 *   created atomically (a hard link that fails if another process made it first), so two processes
 *   starting together still agree on one secret;
 * - neither secret is ever logged or written anywhere else; the repository holds none;
 * - the cursor secret is HMAC-SHA-256(index secret, a fixed label): one configured value, two keys
 *   that can never be mistaken for each other.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../errors.js';
import type { Config } from '../config.js';
import { MIN_SECRET_BYTES } from '../queries/index-keys.js';

export interface QuerySecrets {
  indexSecret: Uint8Array;
  cursorSecret: Uint8Array;
}

export const INDEX_SECRET_FILE = 'index.secret';

function readSecretFile(file: string): Buffer {
  const bytes = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (bytes.length < MIN_SECRET_BYTES) throw new ConfigError('WASLA_INDEX_SECRET', `${file} holds fewer than ${MIN_SECRET_BYTES} bytes; remove it only if the case index is empty`);
  return bytes;
}

function fileSecret(pkiDir: string, log: Logger): Buffer {
  const file = join(pkiDir, INDEX_SECRET_FILE);
  if (existsSync(file)) return readSecretFile(file);
  mkdirSync(pkiDir, { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  try {
    linkSync(tmp, file); // fails if another process made it first: then its secret is the one
    log.warn({ file }, 'made a new case-index secret (first start); keep it with the PKI directory: without it, national ids in the index cannot be looked up');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  return readSecretFile(file);
}

export function querySecrets(cfg: Pick<Config, 'indexSecret' | 'pkiDir'>, log: Logger): QuerySecrets {
  const indexSecret = cfg.indexSecret ?? fileSecret(cfg.pkiDir, log);
  return { indexSecret, cursorSecret: createHmac('sha256', indexSecret).update('wasla query cursor v1').digest() };
}
