import { payloadAtRestSuite } from '../shared/payload-at-rest.suite.js';

payloadAtRestSuite('server', 'classified');
payloadAtRestSuite('server', 'all');
