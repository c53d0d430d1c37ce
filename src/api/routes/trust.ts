/** GET /v1/trust: the federation CA and the hub's certificates, to verify deliveries with. */
import type { Context } from 'hono';
import type { RouteBook } from '../route-docs.js';
import { PUBLIC, json, schemaRef } from '../route-docs.js';
import type { ApiDeps } from '../deps.js';

export function trustRoutes(book: RouteBook, deps: ApiDeps): void {
  book.add(
    'get',
    '/v1/trust',
    {
      operationId: 'trustAnchors',
      summary: "The federation CA certificate and the hub's current certificates (public; verify deliveries with them)",
      description: 'Certificates are public key material: this route needs no signature. Compare the CA fingerprint with the one your federation published out of band before trusting it.',
      tags: ['trust'],
      security: PUBLIC,
      responses: { 200: json('PEM certificates', schemaRef('TrustAnchors')) },
    },
    async (c: Context) => {
      const t = deps.trust();
      return c.json({ ca: t.caCertPem, hub: await t.hubCertPems });
    },
  );
}
