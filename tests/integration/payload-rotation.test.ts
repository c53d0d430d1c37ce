import { payloadRotationSuite } from '../shared/payload-rotation.suite.js';

payloadRotationSuite('server');
