import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../../../src/api/generate.js';

describe('contracts/openapi.json', () => {
  it('matches the routes (run `npm run openapi` after changing a route)', () => {
    const committed = JSON.parse(readFileSync('contracts/openapi.json', 'utf8'));
    expect(committed).toEqual(generateOpenApi());
  });

  it('documents a problem+json answer for every refusal', () => {
    const doc = generateOpenApi() as any;
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        for (const [code, r] of Object.entries<any>(op.responses)) {
          if (Number(code) >= 400) expect(Object.keys(r.content ?? {}), `${method} ${path} ${code}`).toEqual(['application/problem+json']);
        }
      }
    }
  });
});
