import { isolationSuite } from '../shared/isolation.suite.js';

isolationSuite('server');
