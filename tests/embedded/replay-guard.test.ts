/**
 * The embedded replay guard survives a restart (issue 19.4): a signed request captured before the
 * hub stopped is refused as a replay after it starts again on the same data directory, and nothing
 * is stored a second time. The guard itself is checked on PGlite by the shared suite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.js';
import { REQUEST_COMPONENTS, signPlainRequest } from '../../src/trust/index.js';
import { makeHubEnv, startTestHub } from '../helpers/hub.js';
import { sharedFederation } from '../helpers/federation.js';
import { COURT, counts, warrant } from '../shared/spine.suite.js';
import { replayGuardSuite } from '../shared/replay-guard.suite.js';

replayGuardSuite('PGlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasla-replay-'));
  const database = await openDatabase({ dataDir: dir });
  return { database, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe('the embedded replay guard across a restart', () => {
  it('refuses a request captured before the restart and sent again after it; nothing is stored twice', async () => {
    const henv = await makeHubEnv('embedded');
    // one public URL for both runs, whatever port each listens on: the signature covers it
    const env = { WASLA_PUBLIC_URL: 'http://wasla.test' };
    let hub = await startTestHub(henv, env);
    try {
      const key = sharedFederation().keys.get(COURT)!;
      const body = Buffer.from(JSON.stringify(warrant()));
      const captured = signPlainRequest(
        { method: 'POST', url: 'http://wasla.test/v1/messages', headers: { 'content-type': 'application/cloudevents+json' }, body },
        {
          key: key.key,
          keyid: key.serial,
          alg: 'ed25519',
          nonce: randomUUID(),
          components: [...REQUEST_COMPONENTS],
        },
      ).headers;
      const replay = () => fetch(`${hub.url}/v1/messages`, { method: 'POST', headers: captured, body });
      expect((await replay()).status).toBe(202);
      const before = await counts(hub);
      await hub.stop();

      hub = await startTestHub(henv, env);
      const again = await replay();
      expect(again.status).toBe(401);
      expect(((await again.json()) as { type: string }).type).toBe('https://wasla.dev/problems/signature-replayed');
      expect(await counts(hub)).toEqual(before);
    } finally {
      await hub.stop();
      await henv.cleanup();
    }
  });
});
