/**
 * The rules every operation of the OpenAPI document keeps, whoever adds the route: it says who may
 * call it (the signature scheme, or explicitly nobody in particular), every answer has a schema
 * that says more than "an object", every refusal is problem+json, every path parameter is
 * declared, and every reference resolves. A new unsigned route must be added to PUBLIC_OPERATIONS
 * below, on purpose.
 */
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../../../src/api/generate.js';
import { SIGNATURE_SCHEME } from '../../../src/api/route-docs.js';

const doc = generateOpenApi() as any;

/** operations anyone who reaches the port may call; every other one must be signed */
const PUBLIC_OPERATIONS = ['health', 'ready', 'metrics', 'openapi', 'reference', 'listSchemas', 'getSchema', 'trustAnchors'];

function resolve(node: any): any {
  for (let i = 0; node?.$ref && i < 10; i++) {
    const ref: string = node.$ref;
    expect(ref.startsWith('#/'), `only local references: ${ref}`).toBe(true);
    node = ref
      .slice(2)
      .split('/')
      .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce((at: any, key) => at?.[key], doc);
    expect(node, `${ref} resolves`).toBeDefined();
  }
  return node;
}

/** a schema that says nothing but "an object" (or nothing at all) */
function isBare(schema: any): boolean {
  const s = resolve(schema);
  if (!s || typeof s !== 'object') return true;
  for (const k of ['oneOf', 'anyOf', 'allOf'] as const) if (Array.isArray(s[k])) return s[k].some(isBare);
  if ('const' in s || 'enum' in s) return false;
  const types = ([] as unknown[]).concat(s.type ?? []);
  if (types.length === 0) return true;
  if (types.includes('object')) return s.properties === undefined && (s.additionalProperties === undefined || s.additionalProperties === true) && s.patternProperties === undefined;
  if (types.includes('array')) return s.items === undefined || isBare(s.items);
  return false;
}

const operations: Array<{ where: string; path: string; op: any }> = [];
for (const [path, methods] of Object.entries<any>(doc.paths)) {
  for (const [method, op] of Object.entries<any>(methods)) operations.push({ where: `${method.toUpperCase()} ${path}`, path, op });
}

describe('OpenAPI rules for every operation', () => {
  it('finds the operations', () => {
    expect(operations.length).toBeGreaterThanOrEqual(13);
    expect(new Set(operations.map((o) => o.op.operationId)).size).toBe(operations.length);
  });

  it('says who may call each: the signature scheme, or explicitly public', () => {
    const schemes = Object.keys(doc.components.securitySchemes);
    expect(doc.components.securitySchemes[SIGNATURE_SCHEME]).toMatchObject({ type: 'apiKey', in: 'header', name: 'Signature' });
    for (const { where, op } of operations) {
      expect(Array.isArray(op.security), `${where} declares security`).toBe(true);
      for (const requirement of op.security) for (const name of Object.keys(requirement)) expect(schemes, `${where} names a declared scheme`).toContain(name);
      const signed = op.security.length > 0 && op.security.every((r: object) => SIGNATURE_SCHEME in r);
      if (PUBLIC_OPERATIONS.includes(op.operationId)) expect(signed, `${where} is public`).toBe(false);
      else expect(op.security, `${where} must be signed (or listed in PUBLIC_OPERATIONS)`).toEqual([{ [SIGNATURE_SCHEME]: [] }]);
    }
  });

  it('gives every answer and every request body a schema that says more than "an object"', () => {
    for (const { where, op } of operations) {
      for (const [code, r] of Object.entries<any>(op.responses)) {
        const res = resolve(r);
        expect(res.description, `${where} ${code} is described`).toBeTruthy();
        if (code === '204' || code === '304') continue;
        const media = Object.entries<any>(res.content ?? {});
        expect(media.length, `${where} ${code} has content`).toBeGreaterThan(0);
        for (const [type, m] of media) expect(isBare(m.schema), `${where} ${code} ${type} has a real schema`).toBe(false);
        expect(res.headers?.['X-Request-Id'], `${where} ${code} names X-Request-Id`).toBeDefined();
      }
      if (op.requestBody) for (const [type, m] of Object.entries<any>(resolve(op.requestBody).content)) expect(isBare(m.schema), `${where} request ${type}`).toBe(false);
    }
  });

  it('answers every refusal and failure as problem+json, and documents the query-text 400', () => {
    for (const { where, op } of operations) {
      expect(Object.keys(op.responses), where).toContain('400');
      for (const [code, r] of Object.entries<any>(op.responses)) {
        if (Number(code) >= 400) expect(Object.keys(resolve(r).content), `${where} ${code}`).toEqual(['application/problem+json']);
      }
    }
  });

  it('declares every path parameter, and no other, each with a schema and a description', () => {
    for (const { where, path, op } of operations) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const params = (op.parameters ?? []).map(resolve);
      const declared = params.filter((p: any) => p.in === 'path');
      expect(declared.map((p: any) => p.name).sort(), where).toEqual(inPath);
      for (const p of declared) expect(p.required, `${where} {${p.name}} is required`).toBe(true);
      for (const p of params) {
        expect(p.schema, `${where} ${p.name} has a schema`).toBeDefined();
        expect(p.description, `${where} ${p.name} is described`).toBeTruthy();
      }
    }
  });

  it('resolves every reference in the document', () => {
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        if (typeof (node as any).$ref === 'string') resolve(node);
        for (const v of Object.values(node)) walk(v);
      }
    };
    walk(doc);
  });

  it('describes what the hub sends institutions: the delivery webhook, signed, with its headers', () => {
    const op = doc.webhooks.delivery.post;
    const schemes = doc.components.securitySchemes;
    expect(op.security).toHaveLength(1);
    for (const name of Object.keys(op.security[0])) expect(schemes[name], name).toMatchObject({ type: 'apiKey', in: 'header', name: 'Signature' });
    for (const m of Object.values<any>(op.requestBody.content)) expect(isBare(m.schema)).toBe(false);
    const headers = op.parameters.map(resolve);
    expect(headers.map((p: any) => p.name)).toEqual(expect.arrayContaining(['Wasla-Message-Id', 'Wasla-Delivery-Id', 'Signature-Input', 'Content-Digest']));
    for (const p of headers) expect(p.schema && p.description && p.required, p.name).toBeTruthy();
    expect(Object.keys(op.responses['2XX'].headers)).toEqual(['Signature', 'Signature-Input', 'Content-Digest']);
  });

  it('the rules catch a bare schema', () => {
    expect(isBare({ type: 'object' })).toBe(true);
    expect(isBare({})).toBe(true);
    expect(isBare({ type: 'array', items: { type: 'object' } })).toBe(true);
    expect(isBare({ $ref: '#/components/schemas/Delivery' })).toBe(false);
    expect(isBare({ type: 'string' })).toBe(false);
  });
});
