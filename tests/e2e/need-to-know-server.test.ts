import { needToKnowSuite } from '../shared/need-to-know.suite.js';

needToKnowSuite('server');
