import { describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { BullMqDispatcher } from '../../src/queue/index.js';
import { uuidv7 } from '../../src/ids.js';
import { dispatcherSuite } from '../shared/dispatcher.suite.js';
import { flushPrefix, REDIS_URL, uniquePrefix } from '../helpers/services.js';

dispatcherSuite('BullMQ', async () => {
  const prefix = uniquePrefix();
  return { dispatcher: new BullMqDispatcher({ redisUrl: REDIS_URL, queueName: 'deliveries', prefix }), cleanup: () => flushPrefix(prefix) };
});

describe('BullMQ dispatcher: fresh deliveries', () => {
  it('carries up to 64 fresh deliveries in one queue job, and retries in jobs of their own', async () => {
    const prefix = uniquePrefix();
    const dispatcher = new BullMqDispatcher({ redisUrl: REDIS_URL, queueName: 'deliveries', prefix });
    const queue = new Queue('deliveries', { connection: { url: REDIS_URL }, prefix });
    try {
      await dispatcher.dispatch(Array.from({ length: 100 }, () => ({ deliveryId: uuidv7(), attempt: 0, fresh: true })));
      await dispatcher.dispatch([{ deliveryId: uuidv7(), attempt: 2, fresh: false }]);
      const waiting = await queue.getWaiting();
      const grouped = waiting.filter((j) => j.name === 'deliver-many').map((j) => (j.data.jobs as unknown[]).length).sort((a, b) => a - b);
      expect(grouped).toEqual([36, 64]);
      expect(waiting.filter((j) => j.name === 'deliver')).toHaveLength(1);
    } finally {
      await queue.close();
      await dispatcher.close(1000);
      await flushPrefix(prefix);
    }
  });
});
