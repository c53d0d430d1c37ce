import { describe, expect, it } from 'vitest';
import { CONFIG_DOCS, loadConfig } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import { uuidv7, UUID_RE } from '../../../src/ids.js';

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('defaults to embedded mode on loopback', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ mode: 'embedded', host: '127.0.0.1', port: 8080, role: 'all', insecureAllowUnsigned: false, hubKeyType: 'ec-p256' });
  });

  // The table in docs/operating.md is CONFIG_DOCS; the parser holds the defaults a second time. Setting a
  // variable to the default the table names must change nothing, or one of the two is wrong.
  it.each(CONFIG_DOCS.filter((c) => !c.default.startsWith('(') && !c.default.includes('$')).map((c) => [c.name, c.default]))(
    'takes the documented default of %s when it is unset (%s)',
    (name, dflt) => {
      expect(loadConfig({ [name]: dflt })).toEqual(loadConfig({}));
    },
  );

  it('takes the hub key type from WASLA_HUB_KEY_TYPE', () => {
    expect(loadConfig({ WASLA_HUB_KEY_TYPE: 'ed25519' }).hubKeyType).toBe('ed25519');
    expect(loadConfig({ WASLA_HUB_KEY_TYPE: 'rsa-2048' }).hubKeyType).toBe('rsa-2048');
  });

  it('gives a worker-role process its health and metrics port: 9464 unless WASLA_WORKER_PORT says another, or off', () => {
    expect(loadConfig({}).workerPort).toBe(9464);
    expect(loadConfig({ WASLA_WORKER_PORT: '0' }).workerPort).toBe(0);
    expect(loadConfig({ WASLA_WORKER_PORT: '9500' }).workerPort).toBe(9500);
    expect(loadConfig({ WASLA_WORKER_PORT: 'off' }).workerPort).toBeNull();
  });

  it('is server mode with both DATABASE_URL and REDIS_URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://x@h/db', REDIS_URL: 'redis://h:6379' }).mode).toBe('server');
  });

  it.each([
    [{ WASLA_PORT: 'eighty' }, 'WASLA_PORT'],
    [{ WASLA_PORT: '70000' }, 'WASLA_PORT'],
    [{ DATABASE_URL: 'mysql://h/db', REDIS_URL: 'redis://h' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://h/db' }, 'REDIS_URL'],
    [{ WASLA_INSECURE_ALLOW_UNSIGNED: 'maybe' }, 'WASLA_INSECURE_ALLOW_UNSIGNED'],
    [{ WASLA_ROLE: 'api' }, 'WASLA_ROLE'],
    [{ WASLA_ROLE: 'boss', DATABASE_URL: 'postgres://h/db', REDIS_URL: 'redis://h' }, 'WASLA_ROLE'],
    [{ WASLA_LEASE_MS: '1000', WASLA_ATTEMPT_TIMEOUT_MS: '5000' }, 'WASLA_LEASE_MS'],
    [{ WASLA_LOG_LEVEL: 'loud' }, 'WASLA_LOG_LEVEL'],
    [{ WASLA_HUB_KEY_TYPE: 'dsa' }, 'WASLA_HUB_KEY_TYPE'],
    [{ WASLA_WORKER_PORT: 'on' }, 'WASLA_WORKER_PORT'],
    [{ WASLA_WORKER_PORT: '65536' }, 'WASLA_WORKER_PORT'],
  ])('refuses %j naming %s', (env, variable) => {
    const err = refusal(env);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(variable);
  });
});

describe('uuidv7', () => {
  it('makes valid, version-7, strictly increasing ids', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    for (const id of ids) {
      expect(id).toMatch(UUID_RE);
      expect(id[14]).toBe('7');
      expect('89ab').toContain(id[19]);
    }
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
