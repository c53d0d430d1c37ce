/** Starting a real hub for a test, in embedded or server mode, on a free port of 127.0.0.1. */
import { mkdtempSync, rmSync } from 'node:fs';
import { afterEach } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { startHub, type Hub, type HubOptions } from '../../src/hub.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase, flushPrefix, REDIS_URL, uniquePrefix, type TestDatabase } from './services.js';
import { sharedFederation } from './federation.js';

export type Mode = 'embedded' | 'server';

export interface TestHubEnv {
  mode: Mode;
  env: Record<string, string>;
  prefix?: string;
  db?: TestDatabase;
  dataDir?: string;
  /** release what the environment holds (database, Redis keys, data dir) */
  cleanup(): Promise<void>;
}

/** A place for a hub's state: a fresh database + Redis prefix, or a fresh data directory. */
export async function makeHubEnv(mode: Mode): Promise<TestHubEnv> {
  if (mode === 'server') {
    const db = await createTestDatabase();
    const prefix = uniquePrefix();
    return {
      mode,
      db,
      prefix,
      env: { DATABASE_URL: db.url, REDIS_URL },
      async cleanup() {
        await flushPrefix(prefix);
        await db.drop();
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'wasla-test-'));
  return {
    mode,
    dataDir,
    env: { WASLA_DATA_DIR: dataDir },
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function testConfig(henv: TestHubEnv, env: Record<string, string> = {}, overrides: Partial<Config> = {}): Config {
  return loadConfig(
    {
      WASLA_PORT: '0',
      WASLA_WORKER_PORT: '0',
      WASLA_HOST: '127.0.0.1',
      WASLA_SWEEP_INTERVAL_MS: '500',
      WASLA_ATTEMPT_TIMEOUT_MS: '2000',
      WASLA_LEASE_MS: '5000',
      WASLA_SHUTDOWN_GRACE_MS: '3000',
      WASLA_LOG_LEVEL: process.env.WASLA_LOG_LEVEL ?? 'silent',
      WASLA_PKI_DIR: sharedFederation().pkiDir,
      ...henv.env,
      ...env,
    },
    overrides,
  );
}

export async function startTestHub(henv: TestHubEnv, env: Record<string, string> = {}, opts: Partial<HubOptions> = {}, overrides: Partial<Config> = {}): Promise<Hub> {
  const config = testConfig(henv, env, overrides);
  return startHub({ config, log: createLogger(config.logLevel), queuePrefix: henv.prefix, ...opts });
}

/**
 * Cleanups run after each test of the file, the last registered first: a test hands over what it
 * starts (its hub environment, a receiver, hubs) as it starts it, so that hubs stop before their
 * receiver closes and their database is dropped, whether the test passed or not.
 */
export function cleanupAfterEach(): (cleanup: () => unknown) => void {
  const stack: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of stack.splice(0).reverse()) await cleanup();
  });
  return (cleanup) => void stack.push(cleanup);
}
