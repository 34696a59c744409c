/**
 * The OpenAPI 3.1 description of the REST API, served at /api/openapi.json. Tests check that every route
 * the relay answers is described here, and the reverse.
 */
const error = { $ref: '#/components/responses/Error' };
const record = {
  description: 'The record',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Record' } } },
};
const collection = { name: 'collection', in: 'path', required: true, schema: { type: 'string' } };
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const hash = {
  name: 'hash',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  description: 'SHA-256 of the bytes, lowercase hex',
};
const upload = {
  description: 'Bytes received so far, and whether the relay holds the whole file',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: { received: { type: 'integer' }, complete: { type: 'boolean' } },
      },
    },
  },
};
const fields = {
  required: true,
  content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Ferry relay REST API',
    version: '1',
    description:
      'Records over HTTP, merged into the same Yjs documents as WebSocket clients edit. Authenticate with `Authorization: Bearer <token>`.',
  },
  paths: {
    '/api/collections/{collection}/records': {
      get: {
        summary: 'Records changed after a cursor, filtered by field equality (?field=value), paged',
        parameters: [
          collection,
          { name: 'since', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          { name: 'deleted', in: 'query', schema: { type: 'boolean' } },
        ],
        responses: {
          200: {
            description: 'A page of records; ask again from `cursor` while `more` is true',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    records: { type: 'array', items: { $ref: '#/components/schemas/Record' } },
                    cursor: { type: 'string' },
                    more: { type: 'boolean' },
                  },
                },
              },
            },
          },
          400: error,
          401: error,
          403: error,
        },
      },
      post: {
        summary: 'Create a record (an `id` in the body is optional)',
        parameters: [collection],
        requestBody: fields,
        responses: { 201: record, 400: error, 401: error, 403: error, 409: error, 413: error },
      },
    },
    '/api/collections/{collection}/records/{id}': {
      get: {
        summary: 'One record, with its metadata and version',
        parameters: [collection, id],
        responses: { 200: record, 401: error, 403: error, 404: error },
      },
      patch: {
        summary: 'Change some fields; text merges as the smallest edit from the version in If-Match',
        parameters: [collection, id, { name: 'If-Match', in: 'header', schema: { type: 'string' } }],
        requestBody: fields,
        responses: { 200: record, 400: error, 401: error, 403: error, 404: error, 409: error, 413: error },
      },
      delete: {
        summary: 'Delete a record (a tombstone that replicates)',
        parameters: [collection, id],
        responses: { 204: { description: 'Deleted' }, 401: error, 403: error, 404: error },
      },
    },
    '/api/collections/{collection}/records/{id}/history': {
      get: {
        summary: "A record's changes (time, author, fields), or the record as it was at `at`",
        parameters: [
          collection,
          id,
          { name: 'at', in: 'query', schema: { type: 'string' } },
          { name: 'since', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          200: {
            description:
              'The history (`{ id, collection, changes, cursor, more }`: ask again `?since=` the cursor while `more` is true), or the record at that time',
          },
          400: error,
          401: error,
          403: error,
          404: error,
        },
      },
    },
    '/api/collections/{collection}/changes': {
      get: {
        summary:
          'Ids of records changed after a cursor; a Server-Sent Events stream with Accept: text/event-stream',
        parameters: [
          collection,
          { name: 'since', in: 'query', schema: { type: 'string' } },
          { name: 'Last-Event-ID', in: 'header', schema: { type: 'string' } },
        ],
        responses: {
          200: {
            description: 'Changes and the next cursor, or an event stream whose event ids are cursors',
            content: { 'application/json': {}, 'text/event-stream': {} },
          },
          400: error,
          401: error,
          403: error,
        },
      },
    },
    '/api/files/{collection}/{id}/{hash}': {
      get: {
        summary: 'The bytes of a file the record refers to (404 alike for no such file and no access)',
        parameters: [
          collection,
          id,
          hash,
          {
            name: 'range',
            in: 'header',
            required: false,
            description: 'One byte range, `bytes=start-end`, `bytes=start-` or `bytes=-suffix`',
            schema: { type: 'string' },
          },
        ],
        responses: {
          200: { description: 'The bytes', content: { 'application/octet-stream': {} } },
          206: { description: 'The bytes of the range asked', content: { 'application/octet-stream': {} } },
          400: error,
          401: error,
          403: error,
          404: error,
          416: error,
        },
      },
      put: {
        summary:
          'A chunk of an upload of the file through the record; the hash is checked once all bytes are in',
        parameters: [
          collection,
          id,
          hash,
          { name: 'offset', in: 'query', required: true, schema: { type: 'integer', minimum: 0 } },
          { name: 'size', in: 'query', required: true, schema: { type: 'integer', minimum: 0 } },
        ],
        requestBody: { required: true, content: { 'application/octet-stream': {} } },
        responses: {
          200: upload,
          400: error,
          401: error,
          403: error,
          409: error,
          413: error,
        },
      },
    },
    '/api/files/{collection}/{id}/{hash}/upload': {
      get: {
        summary: 'How much of this record’s upload of the file the relay holds, to resume it',
        parameters: [
          collection,
          id,
          hash,
          { name: 'size', in: 'query', schema: { type: 'integer', minimum: 0 } },
        ],
        responses: { 200: upload, 400: error, 401: error, 403: error, 413: error },
      },
    },
    '/api/openapi.json': {
      get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } },
    },
  },
  components: {
    schemas: {
      Record: {
        type: 'object',
        required: ['id', 'collection', 'version', 'fields', 'meta'],
        properties: {
          id: { type: 'string' },
          collection: { type: 'string' },
          version: { type: 'string', description: 'Send back in If-Match when changing text' },
          fields: { type: 'object', additionalProperties: true },
          meta: {
            type: 'object',
            properties: {
              createdAt: { type: 'string', format: 'date-time' },
              createdBy: { type: 'string' },
              updatedAt: { type: 'string', format: 'date-time' },
              updatedBy: { type: 'string' },
              deleted: { type: 'boolean' },
            },
          },
        },
      },
    },
    responses: {
      Error: {
        description: 'An error',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                error: {
                  type: 'object',
                  properties: {
                    code: { type: 'string' },
                    message: { type: 'string' },
                    field: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;
