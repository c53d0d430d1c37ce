import { inboxSuite } from '../shared/inbox.suite.js';

inboxSuite('embedded');
