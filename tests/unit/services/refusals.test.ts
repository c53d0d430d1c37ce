/** The refusal recorder's bound (issue 26): refusals cannot flood the audit log, and none goes uncounted. */
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../src/audit/writer.js';
import { createLogger } from '../../../src/log.js';
import { claimedId, refusalRecorder } from '../../../src/services/refusals.js';

function recorder(perWindow = 3) {
  const written: AuditRecord[] = [];
  let t = 0;
  const r = refusalRecorder(async (...e) => void written.push(...e), createLogger('silent'), { perWindow, windowMs: 1000, now: () => t });
  return { r, written, advance: (ms: number) => void (t += ms) };
}

const refusal = (sender?: string) => ({
  status: sender ? 403 : 401,
  reason: sender ? 'no-agreement' : 'signature-invalid',
  method: 'POST',
  path: '/v1/messages',
  sender,
  claimed: { keyid: 'zz"; drop\\n' + 'x'.repeat(500) },
});

describe('the refusal recorder', () => {
  it('writes at most perWindow entries per institution and per window for all unauthenticated requests, and counts the rest', async () => {
    const { r, written, advance } = recorder(3);
    for (let i = 0; i < 50; i++) await r.record(refusal());
    for (let i = 0; i < 5; i++) await r.record(refusal('ps.hjc.court.ramallah'));
    expect(written.filter((e) => e.actor === 'unauthenticated')).toHaveLength(3);
    expect(written.filter((e) => e.actor === 'ps.hjc.court.ramallah')).toHaveLength(3);
    advance(1000);
    await r.record(refusal());
    const last = written.at(-1)!;
    expect(last.actor).toBe('unauthenticated');
    expect((last.data as any).suppressedBefore).toBe(47);
  });

  it('keeps only a short identifier of what a request claims', () => {
    expect(claimedId('zz"; drop\n' + 'x'.repeat(500))!.length).toBeLessThanOrEqual(128);
    expect(claimedId('zz"; drop\n')).toBe('zzdrop');
    expect(claimedId('"";')).toBeUndefined();
  });

  it('does not audit what is not a refusal of the caller (404, 5xx)', async () => {
    const { r, written } = recorder();
    await r.record({ ...refusal(), status: 404 });
    await r.record({ ...refusal(), status: 503 });
    expect(written).toHaveLength(0);
  });
});
