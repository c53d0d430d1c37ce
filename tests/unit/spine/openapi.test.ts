import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../../../src/api/generate.js';

describe('contracts/openapi.json', () => {
  it('matches the routes (run `npm run openapi` after changing a route)', () => {
    const committed = JSON.parse(readFileSync('contracts/openapi.json', 'utf8'));
    expect(committed).toEqual(generateOpenApi());
  });
});
