/**
 * Writes contracts/openapi.json from the routes (`npm run openapi`). The test suite regenerates it
 * and fails when the committed file drifts from the routes.
 */
import { writeFileSync } from 'node:fs';
import { generateOpenApi } from '../src/api/generate.js';

writeFileSync('contracts/openapi.json', JSON.stringify(generateOpenApi(), null, 2) + '\n');
process.stdout.write('wrote contracts/openapi.json\n');
