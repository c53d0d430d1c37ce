/** /docs: the reference page shows who may call each operation and every schema, and stays inside itself. */
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../../../src/api/generate.js';
import { renderReference } from '../../../src/api/reference-page.js';

const doc = generateOpenApi() as any;
const page = renderReference(doc);
const section = (id: string) => {
  const at = page.indexOf(`id="${id}"`);
  expect(at, `section ${id}`).toBeGreaterThan(0);
  return page.slice(at, page.indexOf('</section>', at));
};

describe('the API reference page', () => {
  it('renders every component schema with its members, and links each answer to its schema', () => {
    for (const name of Object.keys(doc.components.schemas)) expect(page).toContain(`id="schema-${name}"`);
    const accepted = section('schema-Accepted');
    for (const member of ['id', 'receivedAt', 'deliveries']) expect(accepted).toContain(`<code>${member}</code> <em>required</em>`);
    expect(accepted).toContain('No other members.');
    const send = section('sendMessage');
    expect(send).toContain('<a href="#schema-Envelope">Envelope</a>');
    expect(send).toContain('<a href="#schema-Accepted">Accepted</a>');
    expect(send).toContain('<code>Location</code>');
    expect(section('listDeliveries')).toContain('<a href="#schema-DeliveryPage">DeliveryPage</a>');
    // a reference inside a schema links to the schema it names
    expect(section('schema-DeliveryPage')).toContain('array of <a href="#schema-Delivery">Delivery</a>');
  });

  it('says which operations are signed and which are public, and describes the signature scheme', () => {
    expect(section('sendMessage')).toContain('Signed: <a href="#security-httpSignature">httpSignature</a>');
    expect(section('health')).toContain('Public: no signature');
    const scheme = section('security-httpSignature');
    for (const header of ['Signature-Input', 'Content-Digest', 'RFC 9421']) expect(scheme).toContain(header);
  });

  it('shows what the hub sends: the signed delivery and the receipt it wants back', () => {
    const delivery = section('receiveDelivery');
    expect(delivery).toContain('Signed: <a href="#security-hubSignature">hubSignature</a>');
    for (const h of ['Wasla-Delivery-Id', 'Signature-Input', 'Content-Digest']) expect(delivery).toContain(`<code>${h}</code>`);
    expect(delivery).toContain('<a href="#schema-StoredEnvelope">StoredEnvelope</a>');
  });

  it('needs nothing from outside: no script, every link inside the page or to /openapi.json', () => {
    expect(page).not.toMatch(/<script|<link|<img|src=/i);
    const hrefs = [...page.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    const ids = new Set([...page.matchAll(/id="([^"]*)"/g)].map((m) => m[1]));
    for (const href of hrefs) {
      if (href === '/openapi.json') continue;
      expect(href.startsWith('#') && ids.has(href.slice(1)), href).toBe(true);
    }
  });

  it('escapes what it shows', () => {
    const html = renderReference({ ...doc, info: { ...doc.info, title: '<b>x</b>' } });
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(html).not.toContain('<b>x</b>');
  });
});
