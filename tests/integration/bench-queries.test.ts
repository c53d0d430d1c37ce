/**
 * The case-query bench scenario (`npm run bench -- queries`, bench/queries.ts) runs end to end on
 * the real PostgreSQL server at a small size: it preloads, queries through the index without a
 * sequential scan, and commits intake through the hub's own prepareMessage — so a change to intake's
 * rules (issue 26 refused the bench's fines as issued in another's name) breaks a test, not the next
 * measurement. The figures themselves are the bench's business, not this test's.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PG_ADMIN_URL } from '../helpers/services.js';

const run = promisify(execFile);

describe('bench queries scenario (PostgreSQL server)', () => {
  it('preloads, answers from the index alone and commits intake with and without index rows', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'queries', '--messages', '1000', '--queries', '30', '--http', '20', '--intake', '200'], {
      env: { ...process.env, BENCH_PG_URL: PG_ADMIN_URL },
      maxBuffer: 4 * 1024 * 1024,
    });
    const report = JSON.parse(stdout.slice(0, stdout.lastIndexOf('\nbench queries:')));
    expect(report.messages).toBe(1000);
    expect(report.indexRows).toBe(4 * 1000); // four keys a preloaded fine, counted before intake
    expect(report.queries.all.count).toBe(30);
    expect(report.queries.recordsFound).toBeGreaterThan(0);
    // counted, not judged: on a thousand rows the planner rightly prefers a scan
    expect(report.queries.scans).toEqual({ messages: { seq: expect.any(Number), idx: expect.any(Number) }, case_index: { seq: expect.any(Number), idx: expect.any(Number) } });
    // the same queries, signed, over HTTP to a hub on the preloaded database, answers verified
    expect(report.http.all.count).toBe(20);
    expect(report.http.recordsFound).toBeGreaterThan(0);
    expect(report.intake.with.count).toBe(100);
    expect(report.intake.without.count).toBe(100);
    expect(stdout).toMatch(/^bench queries: 1000 messages/m);
  }, 120_000);
});
