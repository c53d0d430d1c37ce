import { queriesSuite } from '../shared/queries.suite.js';

queriesSuite('server');
