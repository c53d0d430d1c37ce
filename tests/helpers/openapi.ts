/**
 * Checking real answers against an OpenAPI document with ajv: status, media type, body and the
 * documented headers of each answer, and a delivery a receiver got against the delivery webhook.
 * Any suite may use it on the answers it gets (tests/shared/openapi-conformance.suite.ts asks
 * every operation).
 */
import Ajv2020Mod from 'ajv/dist/2020.js';
import addFormatsMod from 'ajv-formats';
import { expect } from 'vitest';
import type { Arrival } from './receiver.js';

type Ajv = InstanceType<typeof Ajv2020Mod.default>;

/** validates answers against an OpenAPI document; remembers which operation answered which status */
export class Conformance {
  private readonly ajv: Ajv;
  private readonly doc: any;
  readonly seen = new Map<string, Set<string>>();

  constructor(doc: any) {
    // the component schemas under $defs of one JSON Schema, so that ajv resolves their references
    this.doc = JSON.parse(JSON.stringify(doc).replaceAll('"#/components/schemas/', '"wasla-openapi#/$defs/'));
    this.ajv = new Ajv2020Mod.default({ allErrors: true, strict: true, strictTypes: false });
    addFormatsMod.default(this.ajv);
    this.ajv.addSchema({ $id: 'wasla-openapi', $defs: this.doc.components.schemas });
  }

  private resolve(node: any): any {
    while (node?.$ref)
      node = node.$ref
        .slice(2)
        .split('/')
        .reduce((at: any, k: string) => at[k], this.doc);
    return node;
  }

  private valid(schema: unknown, value: unknown, what: string): void {
    const validate = this.ajv.compile(schema as object);
    expect(validate(value), `${what}: ${this.ajv.errorsText(validate.errors, { separator: '\n' })}`).toBe(true);
  }

  /** checks the answer against the operation `method path` (OpenAPI path template); returns its body */
  async check(res: Response, method: string, path: string): Promise<any> {
    const op = this.doc.paths[path]?.[method];
    expect(op, `${method} ${path} is in the document`).toBeDefined();
    const where = `${op.operationId} ${res.status}`;
    const documented = op.responses[String(res.status)];
    const text = await res.text();
    expect(documented, `${where} is a documented status (body: ${text.slice(0, 300)})`).toBeDefined();
    const response = this.resolve(documented);
    const media = (res.headers.get('content-type') ?? '').split(';')[0].trim();
    const content = response.content?.[media];
    expect(content, `${where}: ${media} is a documented media type (${Object.keys(response.content ?? {}).join(', ')})`).toBeDefined();
    const body = media.endsWith('json') ? JSON.parse(text) : text;
    this.valid(content.schema, body, `${where} body`);
    for (const [name, h] of Object.entries<any>(response.headers ?? {})) {
      const header = this.resolve(h);
      const value = res.headers.get(name);
      if (name === 'X-Request-Id' || name === 'Location') expect(value, `${where} ${name}`).not.toBeNull();
      if (value === null) continue;
      const typed = header.schema.type === 'integer' && /^\d+$/.test(value) ? Number(value) : value;
      this.valid(header.schema, typed, `${where} header ${name}`);
    }
    if (!this.seen.has(op.operationId)) this.seen.set(op.operationId, new Set());
    this.seen.get(op.operationId)!.add(String(res.status));
    return body;
  }

  /** checks a delivery the hub sent (as a receiver got it) against the document's webhook */
  checkDelivery(a: Arrival): void {
    const op = this.doc.webhooks.delivery.post;
    const media = String(a.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    const content = op.requestBody.content[media];
    expect(content, `delivery ${a.deliveryId}: ${media} is documented`).toBeDefined();
    this.valid(content.schema, a.json, `delivery ${a.deliveryId} body`);
    const scheme = this.doc.components.securitySchemes[Object.keys(op.security[0])[0]];
    const headers = [...op.parameters.filter((p: any) => p.in === 'header'), { name: scheme.name, required: true, schema: this.resolve(this.doc.components.headers[scheme.name]).schema }];
    for (const p of headers) {
      const value = a.headers[p.name.toLowerCase()];
      if (p.required) expect(value, `delivery ${a.deliveryId} header ${p.name}`).toBeDefined();
      if (value !== undefined) this.valid(p.schema, String(value), `delivery ${a.deliveryId} header ${p.name}`);
    }
  }

  operations(): Array<{ method: string; path: string; op: any }> {
    return Object.entries<any>(this.doc.paths).flatMap(([path, methods]) => Object.entries<any>(methods).map(([method, op]) => ({ method, path, op })));
  }

  operationIds(): string[] {
    return this.operations().map(({ op }) => op.operationId);
  }
}
