/**
 * A pulling institution (issue 22) in the contract set: `"delivery": "pull"` needs no endpoint and
 * is signed over its inbox URI; a pushing one without an endpoint, or an unknown mode, is a fault.
 */
import { describe, expect, it } from 'vitest';
import { inboxTarget, pulls } from '../../../src/federation/index.js';
import { edit, faultsOf, loadSet, tempSet } from './helpers.js';

const P = 'institutions/t.police.json';

describe('pulling institutions', () => {
  it('loads one without an endpoint: its deliveries are signed over urn:wasla:inbox:<id>, and WASLA_ENDPOINT_* does not apply', () => {
    const dir = tempSet();
    edit(dir, P, (d) => {
      d.delivery = 'pull';
      delete d.endpoints;
    });
    const c = loadSet(dir, { WASLA_ENDPOINT_T_POLICE: 'http://127.0.0.1:1/x' });
    const police = c.institution('t.police')!;
    expect(pulls(police)).toBe(true);
    expect(police.endpoints.deliveries).toBe(inboxTarget('t.police'));
    expect(police.endpoints.deliveries).toBe('urn:wasla:inbox:t.police');
    expect(pulls(c.institution('t.mof'))).toBe(false);
    expect(c.institution('t.mof')!.delivery).toBeUndefined();
  });

  it('keeps an endpoint a pulling institution names, as the URI it is signed over', () => {
    const dir = tempSet();
    edit(dir, P, (d) => void (d.delivery = 'pull'));
    expect(loadSet(dir).institution('t.police')!.endpoints.deliveries).toMatch(/^http:\/\/127\.0\.0\.1/);
  });

  it('refuses a pushing institution without an endpoint, and a mode it does not know', () => {
    const dir = tempSet();
    edit(dir, P, (d) => void delete d.endpoints);
    expect(faultsOf(dir).some((f) => f.file.endsWith('t.police.json') && /endpoints/.test(f.detail))).toBe(true);
    const dir2 = tempSet();
    edit(dir2, P, (d) => void (d.delivery = 'carrier-pigeon'));
    expect(faultsOf(dir2).some((f) => f.file.endsWith('t.police.json') && f.pointer === '/delivery')).toBe(true);
  });
});
