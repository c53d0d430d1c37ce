import { recordIntakeSuite } from '../shared/record-intake.suite.js';

recordIntakeSuite('server');
