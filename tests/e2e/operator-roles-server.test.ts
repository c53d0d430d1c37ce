import { operatorRolesSuite } from '../shared/operator-roles.suite.js';

operatorRolesSuite('server');
