/**
 * What the hub sends: the delivery an institution's receiver gets from the json-http adapter
 * (src/adapters/json-http), signed by the hub (src/workers/delivery-signing.ts), and the signed
 * receipt it must answer with — the `webhooks` of the OpenAPI document. The request is what
 * tests/shared/openapi-conformance.suite.ts validates real arrivals against.
 */
import { DELIVERY_COMPONENTS, RECEIPT_COMPONENTS } from '../trust/index.js';
import { headerRef, schemaRef } from './route-docs.js';

export const HUB_SIGNATURE_SCHEME = 'hubSignature';

export const WEBHOOK_SECURITY_SCHEMES = {
  [HUB_SIGNATURE_SCHEME]: {
    type: 'apiKey',
    in: 'header',
    name: 'Signature',
    description: [
      'How the hub signs what it sends (RFC 9421): with its own key, whose certificates GET /v1/trust lists and the federation CA certifies. The signature, labelled `wasla-hub`, covers',
      `\`${DELIVERY_COMPONENTS.join('` `')}\` with \`created\`, \`keyid\` and \`alg\`. Verify it (the SDK's \`verifyDelivery\`) before applying the delivery, and apply each Wasla-Delivery-Id once: the hub sends the same ids again on a retry and a replay.`,
    ].join('\n'),
  },
} as const;

export const WEBHOOK_HEADERS = {
  Signature: { description: 'RFC 9421 §4.2: the signature, `<label>=:<base64>:`', schema: { type: 'string', pattern: '^[a-z*][a-z0-9_.*-]*=:[A-Za-z0-9+/=]+:' } },
  'Signature-Input': { description: 'RFC 9421 §4.1: the covered components and parameters of the signature', schema: { type: 'string', pattern: '^[a-z*][a-z0-9_.*-]*=\\(' } },
  'Content-Digest': { description: 'RFC 9530: the digest of the body, `sha-256=:<base64>:`', schema: { type: 'string', pattern: '^sha-(256|512)=:[A-Za-z0-9+/=]+:' } },
} as const;

const header = (name: string, description: string, schema: unknown) => ({ name, in: 'header', required: true, description, schema });

export const WEBHOOKS = {
  delivery: {
    post: {
      operationId: 'receiveDelivery',
      summary: 'A delivery, as the hub sends it to the endpoint the recipient registered (json-http or xml-http adapter)',
      description:
        'The message as this recipient may see it: translated to the schema major its grant pins, projected to the fields and envelope attributes the grant gives. Answer 2xx with a receipt signed by your key once it is applied; the hub retries on 408, 425, 429, 5xx, a timeout or a 2xx without a valid receipt (unless the agreement accepts unsigned receipts), and gives any other status up as dead at once.',
      tags: ['deliveries'],
      security: [{ [HUB_SIGNATURE_SCHEME]: [] }],
      parameters: [
        header('Wasla-Message-Id', 'the message id (UUIDv7): the envelope id', { type: 'string', format: 'uuid' }),
        header('Wasla-Delivery-Id', 'the delivery id: the same on every attempt and replay, dedupe on it', { type: 'string', format: 'uuid' }),
        header('Wasla-Attempt', 'the attempt number, from 1', { type: 'string', pattern: '^[1-9][0-9]*$' }),
        header('Signature-Input', 'covers the components the hubSignature scheme lists', WEBHOOK_HEADERS['Signature-Input'].schema),
        header('Content-Digest', 'of the body', WEBHOOK_HEADERS['Content-Digest'].schema),
      ],
      requestBody: {
        required: true,
        content: {
          'application/cloudevents+json': { schema: schemaRef('StoredEnvelope') },
          // issue 22: to an institution on xml-http
          'application/xml': {
            schema: {
              type: 'string',
              description:
                "To an institution on the xml-http adapter: the XML document of the message's mapping (contracts/mappings/<type>/<major>.json), UTF-8; the Content-Type's dataschema parameter names the schema it is written in. Same signature, ids and receipt.",
            },
          },
        },
      },
      responses: {
        '2XX': {
          description: `Applied. Sign the answer (the SDK's \`signReceipt\`): the signature must cover \`${RECEIPT_COMPONENTS.join('` `')}\`, which binds it to this delivery.`,
          headers: { Signature: headerRef('Signature'), 'Signature-Input': headerRef('Signature-Input'), 'Content-Digest': headerRef('Content-Digest') },
        },
        '408': { description: 'Retried' },
        '425': { description: 'Retried' },
        '429': { description: 'Retried, after Retry-After when given (at most the longest step a schedule may have)' },
        '4XX': { description: 'Any other 4xx: the delivery is dead at once (sending the same request again cannot change the answer); a replay sends it again' },
        '5XX': { description: 'Retried (503 after Retry-After when given)' },
      },
    },
  },
} as const;

/** issue 23: what a bank on the iso20022 adapter receives (src/adapters/iso20022; docs/banks.md) */
export const PAYOUT_WEBHOOK = {
  post: {
    ...WEBHOOKS.delivery.post,
    operationId: 'receivePayout',
    summary: 'A payout instruction, as a bank on the iso20022 adapter receives it: pain.001.001.09',
    description:
      'One alimony.payout-instruction as an ISO 20022 Customer Credit Transfer Initiation: GrpHdr/MsgId is the delivery id without dashes (the same on every attempt), the debtor is the account the bank’s contract names for the sender, EndToEndId is the payout’s own and must come back unchanged on the bank’s camt statements (POST /v1/statements). Signed, retried and answered as every delivery.',
    parameters: [...WEBHOOKS.delivery.post.parameters, header('Wasla-Message-Type', 'the message type: alimony.payout-instruction', { type: 'string', enum: ['alimony.payout-instruction'] })],
    requestBody: {
      required: true,
      content: { 'application/xml': { schema: { type: 'string', description: 'an ISO 20022 pain.001.001.09 document (urn:iso:std:iso:20022:tech:xsd:pain.001.001.09), one credit transfer' } } },
    },
  },
} as const;
