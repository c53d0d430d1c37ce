import { busyRecipientSuite } from '../shared/busy-recipient.suite.js';

busyRecipientSuite('embedded');
