import { hostileRecipientSuite } from '../shared/hostile-recipient.suite.js';

hostileRecipientSuite('embedded');
