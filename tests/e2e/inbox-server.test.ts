import { inboxSuite } from '../shared/inbox.suite.js';

inboxSuite('server');
