import { deadLetterSuite } from '../shared/dead-letters.suite.js';

deadLetterSuite('embedded');
