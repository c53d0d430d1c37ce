import { payloadAtRestSuite } from '../shared/payload-at-rest.suite.js';

payloadAtRestSuite('embedded', 'classified');
