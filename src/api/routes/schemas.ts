/** The message catalogue, served as published: GET /v1/schemas and /v1/schemas/{type}/{version}. */
import type { Context } from 'hono';
import { NotFoundError } from '../../errors.js';
import type { RouteBook } from '../route-docs.js';
import { PUBLIC, json, problem, schemaRef } from '../route-docs.js';
import type { ApiDeps } from '../deps.js';
import { schemaUri } from '../../federation/index.js';

export function schemaRoutes(book: RouteBook, deps: ApiDeps): void {
  book.add(
    'get',
    '/v1/schemas',
    {
      operationId: 'listSchemas',
      summary: 'The message catalogue: every type and published version',
      description: 'The catalogue is what the federation agreed on; it is public to its members and needs no signature.',
      tags: ['catalogue'],
      security: PUBLIC,
      responses: { 200: json('Types with their versions', schemaRef('Catalogue')) },
    },
    (c: Context) => {
      const cat = deps.contracts().catalogue;
      const types = new Map<string, Array<{ version: string; dataschema: string; title: unknown }>>();
      for (const s of cat.list()) {
        const doc = cat.get(s.type, s.version)!;
        const list = types.get(s.type) ?? [];
        list.push({ version: s.version, dataschema: schemaUri(s.type, s.version), title: doc.title });
        types.set(s.type, list);
      }
      return c.json({ types: [...types].map(([type, versions]) => ({ type, latest: cat.latest(type)!.version, versions })) });
    },
  );

  book.add(
    'get',
    '/v1/schemas/:type/:version',
    {
      operationId: 'getSchema',
      summary: 'One published schema (JSON Schema 2020-12), byte for byte as published',
      tags: ['catalogue'],
      security: PUBLIC,
      parameters: [
        { name: 'type', in: 'path', required: true, schema: { type: 'string' }, example: 'warrant.issued', description: 'the message type' },
        { name: 'version', in: 'path', required: true, schema: { type: 'string' }, example: '2.0', description: 'major.minor, optionally followed by .schema.json' },
      ],
      responses: {
        200: { description: 'The schema', content: { 'application/schema+json': { schema: schemaRef('MessageSchema') } } },
        404: problem('No such type or version (schema-not-found)'),
      },
    },
    (c: Context) => {
      const type = c.req.param('type') ?? '';
      const version = (c.req.param('version') ?? '').replace(/\.schema\.json$/, '');
      const doc = deps.contracts().catalogue.get(type, version);
      if (!doc) throw new NotFoundError('schema-not-found', `no schema ${type}@${version}`);
      return c.body(JSON.stringify(doc, null, 2), 200, { 'content-type': 'application/schema+json' });
    },
  );
}
