/**
 * The key-encryption keys (KEKs) that wrap the per-message data keys of confidential payloads, and
 * the configuration they come from.
 *
 * Configuration, read once at start-up like src/config.ts (a wrong value stops the start naming the
 * variable):
 *   WASLA_PAYLOAD_KEYS       `<id>:<base64 of 32 bytes>[,<id>:<base64>...]`
 *   WASLA_PAYLOAD_KEYS_FILE  a file of the same entries, one a line (`#` comments, blank lines); it
 *                            must not be readable by group or others (chmod 600)
 * One of the two, not both. The FIRST key is current: it wraps every new data key; the others only
 * unwrap what they wrapped before. Rotation is two steps so that no process ever meets a key it does
 * not hold: add the new key second on every process, then move it first; the rewrap job then moves
 * old data keys under it, and an old key leaves the list once no payload names it.
 *
 *   WASLA_PAYLOAD_ENCRYPTION `classified` (default: juvenile and gbv payloads) or `all`.
 *
 * Guarantees: key bytes live only in KeyObjects inside a PayloadKeyring; neither `util.inspect`,
 * `JSON.stringify` nor any error shows them or the configured text (an error names the variable,
 * the entry's position and at most its id).
 */
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { inspect } from 'node:util';
import { KeyConfigError } from './errors.js';

export const KEY_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** 32 bytes in standard base64, as `openssl rand -base64 32` writes them */
const KEY_B64_RE = /^[A-Za-z0-9+/]{43}=$/;
const KEK_BYTES = 32;

export type EncryptionPolicy = 'classified' | 'all';

type Env = Record<string, string | undefined>;

/** The configured KEKs. Only src/record/payload-crypto.ts reads the keys themselves. */
export class PayloadKeyring {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  /** the id of the key that wraps every new data key */
  readonly current: string;

  constructor(entries: ReadonlyArray<readonly [id: string, key: KeyObject]>) {
    if (entries.length === 0) throw new TypeError('a keyring needs at least one key');
    const keys = new Map<string, KeyObject>();
    for (const [id, key] of entries) {
      if (!KEY_ID_RE.test(id)) throw new TypeError(`invalid key id ${JSON.stringify(id.slice(0, 80))}`);
      if (key.type !== 'secret' || key.symmetricKeySize !== KEK_BYTES) throw new TypeError(`key ${id} must be a 32-byte secret key`);
      if (keys.has(id)) throw new TypeError(`key id ${id} is given twice`);
      keys.set(id, key);
    }
    this.#keys = keys;
    this.current = entries[0][0];
  }

  /** every configured id, the current one first */
  ids(): string[] {
    return [...this.#keys.keys()];
  }

  has(id: string): boolean {
    return this.#keys.has(id);
  }

  /** @internal the key itself: for payload-crypto.ts only */
  keyFor(id: string): KeyObject | undefined {
    return this.#keys.get(id);
  }

  /** a keyring with the same keys and another current one (tests, and a CLI that rotates) */
  withCurrent(id: string): PayloadKeyring {
    const key = this.#keys.get(id);
    if (!key) throw new TypeError(`no key ${id} in the keyring`);
    return new PayloadKeyring([[id, key], ...[...this.#keys].filter(([k]) => k !== id)]);
  }

  /** a keyring without `id` (after the rewrap job has moved every data key off it) */
  without(id: string): PayloadKeyring {
    if (id === this.current) throw new TypeError('the current key cannot be dropped');
    return new PayloadKeyring([...this.#keys].filter(([k]) => k !== id));
  }

  toJSON(): { current: string; ids: string[] } {
    return { current: this.current, ids: this.ids() };
  }

  [inspect.custom](): string {
    return `PayloadKeyring { current: ${this.current}, ids: [${this.ids().join(', ')}] }`;
  }
}

/** A fresh key entry `<id>:<base64>` for the configuration (e.g. for a `wasla keys new` command). */
export function newPayloadKeyEntry(id: string): string {
  if (!KEY_ID_RE.test(id)) throw new KeyConfigError('key id', 'expected 1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit');
  return `${id}:${randomBytes(KEK_BYTES).toString('base64')}`;
}

/**
 * Parses entries (`<id>:<base64>`, separated by commas or newlines) into a keyring. `variable` is
 * named in every error; the entry's text never is (it may hold a key).
 */
export function parsePayloadKeys(text: string, variable: string): PayloadKeyring {
  const entries: Array<[string, KeyObject]> = [];
  const seen = new Set<string>();
  const parts = text
    .split(/[\n,]/)
    .map((l) => l.replace(/\r$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (parts.length === 0) throw new KeyConfigError(variable, 'no key given (expected <id>:<base64 of 32 random bytes>, e.g. from `openssl rand -base64 32`)');
  parts.forEach((part, i) => {
    const where = `entry ${i + 1}`;
    const colon = part.indexOf(':');
    if (colon < 0) throw new KeyConfigError(variable, `${where}: expected <id>:<base64 key>`);
    const id = part.slice(0, colon).trim();
    const b64 = part.slice(colon + 1).trim();
    if (!KEY_ID_RE.test(id)) throw new KeyConfigError(variable, `${where}: the key id must be 1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit`);
    if (seen.has(id)) throw new KeyConfigError(variable, `${where}: key id ${id} is given twice`);
    if (!KEY_B64_RE.test(b64)) {
      throw new KeyConfigError(variable, `${where} (key ${id}): expected exactly 32 bytes in standard base64 (44 characters ending in "=")`);
    }
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length !== KEK_BYTES) throw new KeyConfigError(variable, `${where} (key ${id}): expected exactly 32 bytes`);
    if (bytes.every((b) => b === bytes[0])) {
      bytes.fill(0);
      throw new KeyConfigError(variable, `${where} (key ${id}): not a random key (every byte is the same)`);
    }
    seen.add(id);
    entries.push([id, createSecretKey(bytes)]);
    bytes.fill(0);
  });
  return new PayloadKeyring(entries);
}

export interface KeyFileReader {
  readFileSync(path: string, encoding: 'utf8'): string;
  statSync(path: string): { mode: number; isFile(): boolean };
}

/**
 * The keyring from WASLA_PAYLOAD_KEYS or WASLA_PAYLOAD_KEYS_FILE, or undefined when neither is set
 * (the caller decides whether a hub may run without: with confidential types in its catalogue it
 * must not).
 */
export function loadPayloadKeyring(env: Env = process.env, files: KeyFileReader = fs): PayloadKeyring | undefined {
  const inline = env.WASLA_PAYLOAD_KEYS;
  const file = env.WASLA_PAYLOAD_KEYS_FILE;
  const hasInline = inline !== undefined && inline.trim() !== '';
  const hasFile = file !== undefined && file.trim() !== '';
  if (hasInline && hasFile) throw new KeyConfigError('WASLA_PAYLOAD_KEYS_FILE', 'set WASLA_PAYLOAD_KEYS or WASLA_PAYLOAD_KEYS_FILE, not both');
  if (hasInline) return parsePayloadKeys(inline, 'WASLA_PAYLOAD_KEYS');
  if (!hasFile) return undefined;
  const path = file.trim();
  let stat: { mode: number; isFile(): boolean };
  try {
    stat = files.statSync(path);
  } catch (e) {
    throw new KeyConfigError('WASLA_PAYLOAD_KEYS_FILE', `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!stat.isFile()) throw new KeyConfigError('WASLA_PAYLOAD_KEYS_FILE', `${path} is not a file`);
  // POSIX only: on Windows the mode bits do not describe who may read the file
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    throw new KeyConfigError('WASLA_PAYLOAD_KEYS_FILE', `${path} is readable by group or others (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
  }
  let text: string;
  try {
    text = files.readFileSync(path, 'utf8');
  } catch (e) {
    throw new KeyConfigError('WASLA_PAYLOAD_KEYS_FILE', `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parsePayloadKeys(text, 'WASLA_PAYLOAD_KEYS_FILE');
}

/** WASLA_PAYLOAD_ENCRYPTION: which payloads are stored encrypted. */
export function loadEncryptionPolicy(env: Env = process.env): EncryptionPolicy {
  const raw = env.WASLA_PAYLOAD_ENCRYPTION;
  if (raw === undefined || raw === '') return 'classified';
  if (raw === 'classified' || raw === 'all') return raw;
  throw new KeyConfigError('WASLA_PAYLOAD_ENCRYPTION', `expected "classified" or "all", got "${raw.slice(0, 40)}"`);
}

/** Whether a payload of these clearances is stored encrypted under `policy`. */
export function mustEncrypt(policy: EncryptionPolicy, clearances: readonly string[]): boolean {
  return policy === 'all' || clearances.includes('juvenile') || clearances.includes('gbv');
}
