import { BullMqDispatcher } from '../../src/queue/index.js';
import { dispatcherSuite } from '../shared/dispatcher.suite.js';
import { flushPrefix, REDIS_URL, uniquePrefix } from '../helpers/services.js';

dispatcherSuite('BullMQ', async () => {
  const prefix = uniquePrefix();
  return { dispatcher: new BullMqDispatcher({ redisUrl: REDIS_URL, queueName: 'deliveries', prefix }), cleanup: () => flushPrefix(prefix) };
});
