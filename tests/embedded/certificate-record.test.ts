/**
 * A certificate enrolled on a running hub is on the audit log before a request is accepted under
 * it (issue 19.6): `wasla institution enroll` (issueToDir, here) writes it to the PKI directory the
 * hub reads; its `certificate.registered` entry comes before the first `message.accepted` signed
 * with it — not at the next reload.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { makeHubEnv, startTestHub } from '../helpers/hub.js';
import { sharedFederation, signedFetch } from '../helpers/federation.js';
import { COURT, warrant } from '../shared/spine.suite.js';

describe('certificates enrolled on a running hub (embedded mode)', () => {
  it('are written to the audit log before the first request accepted under them', async () => {
    const henv = await makeHubEnv('embedded');
    const hub = await startTestHub(henv);
    try {
      const fed = sharedFederation();
      const fresh = fed.enroll(COURT); // after the hub started: its start-up sync did not see it
      const res = await signedFetch(`${hub.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(warrant()) }, COURT, fed, fresh);
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      const r = await hub.database.db.execute(sql`select id, action, subject, data from audit_log
        where (action = 'certificate.registered' and subject = ${fresh.serial}) or (action = 'message.accepted' and subject = ${id}) order by id`);
      const rows = ((r as any).rows ?? r) as Array<{ action: string; data: Record<string, unknown> }>;
      expect(rows.map((x) => x.action)).toEqual(['certificate.registered', 'message.accepted']);
      expect(rows[0].data).toMatchObject({ institution: COURT });
      expect(rows[1].data).toMatchObject({ credential: `cert:${fresh.serial}` });
    } finally {
      await hub.stop();
      await henv.cleanup();
    }
  });
});
