#!/usr/bin/env node
/**
 * `npm test`: type-checks, lints, checks the dependency rules, lints the OpenAPI document, then runs every suite this machine can run. Integration and end-to-end
 * suites need PostgreSQL (DATABASE_URL, default the local server) and Redis (REDIS_URL, default the
 * local one). Without them it runs the unit and embedded-mode suites and says loudly which suites
 * it skipped and how to run them. Under CI=true an unreachable service fails the run.
 */
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { readFileSync } from 'node:fs';

const DB = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const ci = /^(1|true)$/i.test(process.env.CI ?? '');

function reachable(url, defaultPort) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(2000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

const run = (cmd, args, env = {}) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

const [pgUp, redisUp] = await Promise.all([reachable(DB, 5432), reachable(REDIS, 6379)]);
const extra = process.argv.slice(2);

if (run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']) !== 0) {
  console.error('npm test: type check failed');
  process.exit(1);
}
// lint and format (biome.jsonc): `npm run lint:fix` and `npm run format` fix what they can
if (run('npx', ['biome', 'check', '.']) !== 0) {
  console.error('npm test: lint or format check failed (`npm run lint`, `npm run format`)');
  process.exit(1);
}
// the dependency rules (.dependency-cruiser.cjs; docs/design.md). dependency-cruiser runs on Node 22
// or later, as the project does; on an older Node (this machine's own) it is run on Node 22 from npx
const depcheck = ['depcruise', 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'];
const nodeMajor = Number(process.versions.node.split('.')[0]);
if ((nodeMajor >= 22 ? run('npx', depcheck) : run('npx', ['-y', '-p', 'node@22', '--', 'npx', ...depcheck])) !== 0) {
  console.error('npm test: a dependency rule is broken (see above, and docs/design.md)');
  process.exit(1);
}

// the committed OpenAPI document against the recommended OpenAPI rules (redocly.yaml); a test holds
// the document to the routes. No update check, no usage data (redocly.yaml: telemetry off)
if (run('npx', ['redocly', 'lint', 'contracts/openapi.json', '--config', 'redocly.yaml'], { REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' }) !== 0) {
  console.error('npm test: the OpenAPI document breaks a lint rule (see above; `npm run lint:openapi`, docs/api.md)');
  process.exit(1);
}

let suites = ['tests/unit', 'tests/embedded', 'src'];
if (pgUp && redisUp) {
  suites = [...suites, 'tests/integration', 'tests/e2e'];
} else {
  const missing = [!pgUp && `PostgreSQL at ${DB}`, !redisUp && `Redis at ${REDIS}`].filter(Boolean).join(' and ');
  if (ci) {
    console.error(`\nnpm test: CI=true but ${missing} cannot be reached. Integration and end-to-end suites need them.`);
    process.exit(1);
  }
  const bar = '!'.repeat(78);
  console.warn(
    `\n${bar}\n  SKIPPING tests/integration and tests/e2e: ${missing} cannot be reached.\n  Running only the unit and embedded-mode suites.\n  To run everything, start PostgreSQL and Redis, or point DATABASE_URL and REDIS_URL at them:\n    DATABASE_URL=postgres://user@host:5432/db REDIS_URL=redis://host:6379 npm test\n${bar}\n`,
  );
}

const report = '.tmp/vitest-report.json';
const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...suites, ...extra], {
  WASLA_TEST_SERVICES: pgUp && redisUp ? '1' : '0',
  // the hub under test must not pick up a developer's server settings by accident
  WASLA_LOG_LEVEL: process.env.WASLA_LOG_LEVEL || 'silent',
});
if (!(pgUp && redisUp)) console.warn('\nnpm test: reminder — tests/integration and tests/e2e were SKIPPED (services unreachable).');
// one plain closing line that any CI can read
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  // a file whose setup fails counts none of its tests as failed (they are reported skipped): name it
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && f.assertionResults.every((a) => a.status !== 'failed'));
  for (const f of brokenFiles) console.log(`FAILED outside any test (setup or teardown; its tests show as skipped): ${f.name}`);
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles.length} failed, ${skipped} skipped`);
  // in CI every service is there, so nothing may skip: a skipped test would only look green
  if (ci && skipped > 0) {
    console.error(`npm test: ${skipped} test(s) skipped under CI=true; nothing may skip here`);
    process.exit(1);
  }
  if (brokenFiles.length > 0 && status === 0) process.exit(1);
} catch {
  console.log(`0 passed, 1 failed`);
}
process.exit(status);
