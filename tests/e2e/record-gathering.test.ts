/**
 * WASLA_RECORD_GATHER_MS reaches the worker's attempt recorder (issue 29): attempts that finish
 * within the window are recorded by ONE statement, and a statement's `now()` is its transaction's
 * time, so the deliveries it ends share one `deliveredAt`. Here the two recipients of a contested
 * traffic fine (finance and transport) answer 400 ms apart: with a window of 1000 ms their
 * deliveries end in one statement; with the documented 5 ms they end in two.
 */
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, makeHubEnv, startTestHub } from '../helpers/hub.js';
import { startReceiver } from '../helpers/receiver.js';
import { endpointEnv } from '../helpers/contracts.js';
import { contestedFine, post, waitForStates } from '../shared/spine.suite.js';

describe("the worker's attempt recorder takes its window from the configuration", () => {
  const later = cleanupAfterEach();

  /** the deliveredAt of each delivery of one contested fine whose two recipients answer 400 ms apart */
  async function deliveredAts(env: Record<string, string>): Promise<string[]> {
    const henv = await makeHubEnv('embedded');
    later(() => henv.cleanup());
    let answered = 0;
    const receiver = await startReceiver(() => ({ status: 200, body: '{"ok":true}', delayMs: answered++ === 0 ? 0 : 400 }));
    later(() => receiver.close());
    const hub = await startTestHub(henv, env, { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } });
    later(() => hub.stop());
    const r = await post(hub, contestedFine());
    expect(r.status).toBe(202);
    const view = (await waitForStates(hub, r.json.id, ['delivered'])) as { deliveries: Array<{ deliveredAt: string }> };
    expect(view.deliveries).toHaveLength(2);
    return view.deliveries.map((d) => d.deliveredAt);
  }

  it('records attempts finishing 400 ms apart in one statement with WASLA_RECORD_GATHER_MS=1000', async () => {
    const at = await deliveredAts({ WASLA_RECORD_GATHER_MS: '1000' });
    expect(new Set(at).size).toBe(1);
  });

  it('records them apart with the default window of 5 ms', async () => {
    const at = await deliveredAts({});
    expect(new Set(at).size).toBe(at.length);
  });
});
