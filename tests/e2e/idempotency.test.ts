/**
 * Idempotent intake across processes (invariant 4): the same Idempotency-Key and body sent at the
 * same moment to two api processes yields one message and the same answer everywhere.
 */
import { describe, expect, it } from 'vitest';
import { makeHubEnv, startTestHub } from '../helpers/hub.js';
import { counts, post, warrant } from '../shared/spine.suite.js';

describe('idempotency across api processes', () => {
  it('answers concurrent repeats on two processes with one message', async () => {
    const henv = await makeHubEnv('server');
    const a = await startTestHub(henv, { WASLA_ROLE: 'api' });
    const b = await startTestHub(henv, { WASLA_ROLE: 'api' });
    try {
      for (let round = 0; round < 5; round++) {
        const body = warrant({ warrantNumber: `W-RACE-${round}` });
        const key = `race-${round}`;
        const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post(i % 2 ? a : b, body, { 'idempotency-key': key })));
        expect(answers.map((r) => r.status)).toEqual(Array(8).fill(202));
        expect(new Set(answers.map((r) => r.json.id)).size).toBe(1);
        expect(answers.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
      }
      expect((await counts(a)).messages).toBe(5);
      const clash = await post(b, warrant({ warrantNumber: 'W-RACE-other' }), { 'idempotency-key': 'race-0' });
      expect(clash.status).toBe(422);
    } finally {
      await a.stop();
      await b.stop();
      await henv.cleanup();
    }
  });
});
