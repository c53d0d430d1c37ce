import { spineSuite } from '../shared/spine.suite.js';

spineSuite('embedded');
