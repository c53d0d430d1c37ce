/** The OpenAPI schemas of case queries (issue 24): the list of runnable queries and a signed answer. */

const state = { type: 'object', required: ['name', 'description'], additionalProperties: false, properties: { name: { type: 'string' }, description: { type: 'string' } } };

export const QUERY_SCHEMAS = {
  QueryCatalogue: {
    type: 'object',
    required: ['queries', 'builtins'],
    additionalProperties: false,
    properties: {
      queries: {
        type: 'array',
        description: 'the case queries the caller may run now, each with the fields its grants give it',
        items: {
          type: 'object',
          required: ['name', 'title', 'description', 'parameters', 'fields', 'statuses'],
          additionalProperties: false,
          properties: {
            name: { type: 'string' },
            title: { type: 'string' },
            description: { type: 'string' },
            parameters: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'description', 'required', 'schema'],
                additionalProperties: false,
                properties: { name: { type: 'string' }, description: { type: 'string' }, required: { type: 'boolean' }, schema: { type: 'object', description: 'the JSON Schema of the value' } },
              },
            },
            fields: { type: 'array', items: { type: 'string' }, description: 'answer fields the caller is granted; empty: status, key and history only' },
            statuses: { type: 'array', items: state },
          },
        },
      },
      builtins: {
        type: 'array',
        description: 'granted built-in queries (message-status, delivery-status) and the route that answers each',
        items: {
          type: 'object',
          required: ['name', 'description', 'route'],
          additionalProperties: false,
          properties: { name: { type: 'string' }, description: { type: 'string' }, route: { type: 'string' } },
        },
      },
    },
  },
  QueryAnswer: {
    type: 'object',
    required: ['query', 'asOf', 'records', 'truncated'],
    additionalProperties: false,
    properties: {
      query: { type: 'string' },
      asOf: { type: 'string', format: 'date-time', description: "the hub's time of the answer: deadlines passed relative to it; the response signature's `created`" },
      records: {
        type: 'array',
        items: {
          type: 'object',
          required: ['key', 'status', 'fields', 'history'],
          additionalProperties: false,
          properties: {
            key: {
              type: 'object',
              required: ['kind'],
              additionalProperties: false,
              description: 'what the record is about; a national id or name key carries no value',
              properties: { kind: { type: 'string' }, issuer: { type: 'string' }, value: { type: 'string' } },
            },
            status: {
              type: 'object',
              required: ['state', 'description', 'at'],
              additionalProperties: false,
              properties: { state: { type: 'string' }, description: { type: 'string' }, at: { type: 'string' } },
            },
            fields: { type: 'object', additionalProperties: true, description: 'only the answer fields the caller is granted' },
            history: {
              type: 'array',
              items: {
                type: 'object',
                required: ['id', 'type', 'version', 'at'],
                additionalProperties: false,
                properties: { id: { type: 'string', format: 'uuid' }, type: { type: 'string' }, version: { type: 'string' }, at: { type: 'string' }, state: { type: 'string' } },
              },
            },
          },
        },
      },
      next: { type: 'string', description: 'the cursor of the next page (pass it as `cursor` with the same parameters)' },
      truncated: { type: 'boolean', description: 'a record had more messages than an answer carries and was answered from the first ones' },
    },
  },
} as const;
