import { retentionSuite } from '../shared/retention.suite.js';

retentionSuite('server');
