import { openApiConformanceSuite } from '../shared/openapi-conformance.suite.js';

openApiConformanceSuite('server');
