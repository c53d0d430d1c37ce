import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOCS } from '../../../src/config.js';
import { generateOpenApi } from '../../../src/api/generate.js';
import { toOpenApiPath } from '../../../src/api/openapi.js';
import { PROBLEMS } from '../../../src/api/problems.js';
import { AUDIT_ACTIONS } from '../../../src/audit/writer.js';
import { REQUEST_ERROR_CODES } from '../../../src/errors.js';

const readme = readFileSync('README.md', 'utf8');
const operating = readFileSync('docs/operating.md', 'utf8');
const api = readFileSync('docs/api.md', 'utf8');
const audit = readFileSync('docs/audit.md', 'utf8');

/** the rows of a Markdown table whose first cell is a status: status -> the codes in its second cell */
function refusalRows(md: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of md.matchAll(/^\| (\d{3}) \| ([^|]+) \|/gm)) for (const code of m[2].matchAll(/`([a-z0-9-]+)`/g)) out.set(code[1], Number(m[1]));
  return out;
}

describe('the documentation stays true', () => {
  it('documents every configuration variable with its default (docs/operating.md)', () => {
    for (const c of CONFIG_DOCS) expect(operating, c.name).toContain(`| \`${c.name}\` | ${c.default} |`);
  });

  it('lists every route (docs/api.md)', () => {
    const doc = generateOpenApi() as { paths: Record<string, object> };
    for (const path of Object.keys(doc.paths)) expect(api, path).toContain(toOpenApiPath(path));
  });

  it('lists every refusal the API can answer, with the status the registry gives it (docs/api.md)', () => {
    const rows = refusalRows(api);
    for (const code of REQUEST_ERROR_CODES) expect([code, rows.get(code)]).toEqual([code, PROBLEMS[code].status]);
  });

  it('lists every audit action (docs/audit.md)', () => {
    for (const action of AUDIT_ACTIONS) expect(audit, action).toContain(`| \`${action}\` |`);
  });

  it('shows the two-command quickstart and the test command', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
