import { xmlExchangeSuite } from '../shared/xml-exchange.suite.js';

xmlExchangeSuite('server');
