import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOCS } from '../../../src/config.js';
import { generateOpenApi } from '../../../src/api/generate.js';
import { toOpenApiPath } from '../../../src/api/openapi.js';

const readme = readFileSync('README.md', 'utf8');

describe('README stays true', () => {
  it('documents every configuration variable with its default', () => {
    for (const c of CONFIG_DOCS) expect(readme, c.name).toContain(`| \`${c.name}\` | ${c.default} |`);
  });

  it('lists every route', () => {
    const doc = generateOpenApi() as { paths: Record<string, object> };
    for (const path of Object.keys(doc.paths)) expect(readme, path).toContain(toOpenApiPath(path));
  });

  it('shows the two-command quickstart and the test command', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
