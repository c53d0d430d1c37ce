/** Every adapter the hub has passes the one conformance suite; a new adapter adds its line here. */
import { adapterConformanceSuite } from '../shared/adapter-conformance.suite.js';

adapterConformanceSuite('json-http');
adapterConformanceSuite('xml-http');
