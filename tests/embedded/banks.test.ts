import { banksSuite } from '../shared/banks.suite.js';

banksSuite('embedded');
