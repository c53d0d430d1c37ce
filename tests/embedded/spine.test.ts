import { catalogueSuite, spineSuite } from '../shared/spine.suite.js';

spineSuite('embedded');
catalogueSuite('embedded');
