import { recipientDownSuite } from '../shared/recipient-down.suite.js';

recipientDownSuite('embedded');
