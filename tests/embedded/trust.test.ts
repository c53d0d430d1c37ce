import { trustSuite } from '../shared/trust.suite.js';

trustSuite('embedded');
