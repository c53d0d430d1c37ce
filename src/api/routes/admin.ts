/** POST /v1/admin/contracts/reload: an admin puts the contract set in its directory in force (issue 26, operator roles). */
import type { Context } from 'hono';
import type { RouteBook } from '../route-docs.js';
import { json, problem, SIGNED } from '../route-docs.js';
import type { ApiDeps } from '../deps.js';

export function adminRoutes(book: RouteBook, deps: ApiDeps): void {
  book.add(
    'post',
    '/v1/admin/contracts/reload',
    {
      operationId: 'reloadContracts',
      security: SIGNED,
      summary: 'Reload the contract set (admins only)',
      description:
        "Loads the institutions, agreements and catalogue from the hub's contracts directory and puts them in force on this process, as SIGHUP or `wasla contracts reload` do. Only an operator certificate with the role admin may; an operator or an auditor gets 403 role-not-allowed. A set with faults is refused and the one in force stays. The reload is on the audit log (contracts.reloaded) with the operator as actor. No request body.",
      tags: ['operations'],
      responses: {
        200: json('The contract set now in force', {
          type: 'object',
          required: ['institutions', 'types'],
          additionalProperties: false,
          properties: {
            institutions: { type: 'integer', minimum: 0, description: 'institutions in the set' },
            types: { type: 'integer', minimum: 0, description: 'published message type versions in the catalogue' },
          },
        }),
        401: problem('Not authenticated'),
        403: problem('Not an operator whose role allows contracts.reload (role-not-allowed)'),
        500: problem('The contract set in the directory has faults (contract-invalid); the set in force stays'),
      },
    },
    async (c: Context) => {
      const p = await deps.authenticate({ method: 'POST', url: c.req.url, headers: c.req.raw.headers, body: Buffer.alloc(0) });
      return c.json(await deps.services.contractAdmin.reload(p));
    },
  );
}
