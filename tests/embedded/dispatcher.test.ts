import { InProcessDispatcher } from '../../src/queue/index.js';
import { dispatcherSuite } from '../shared/dispatcher.suite.js';

dispatcherSuite('in-process', async () => ({ dispatcher: new InProcessDispatcher(), cleanup: async () => {} }));
