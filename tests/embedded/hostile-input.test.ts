import { hostileInputSuite } from '../shared/hostile-input.suite.js';

hostileInputSuite('embedded');
