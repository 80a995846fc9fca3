import { describe, expect, it } from '@jest/globals';
import { documentedAnswer, type OpenApiDocument } from './openapi.js';

/** The oracle itself: what it accepts and what it refuses, on a document of two operations. */
const DOC: OpenApiDocument = {
  openapi: '3.0.0',
  info: {},
  components: {
    schemas: {
      Item: {
        type: 'object',
        required: ['id', 'sentAt'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          sentAt: { type: 'string', format: 'date-time', nullable: true },
          tick: { nullable: true, type: 'object', allOf: [{ $ref: '#/components/schemas/Tick' }] },
        },
      },
      Tick: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
      ErrorBody: {
        type: 'object',
        required: ['statusCode', 'code', 'message'],
        properties: { statusCode: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
  paths: {
    '/items/{id}': {
      get: {
        operationId: 'get',
        responses: {
          '200': { description: '', content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } },
          '404': {
            description: '',
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/ErrorBody' },
                examples: { NOT_FOUND: { value: { statusCode: 404, code: 'NOT_FOUND', message: 'x' } } },
              },
            },
          },
        },
      },
    },
    '/items/stats': { get: { operationId: 'stats', responses: { '200': { description: '', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
  },
};

const ID = '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11';
const answer = (path: string, status: number, body: unknown, type = 'application/json; charset=utf-8') =>
  documentedAnswer(DOC, 'GET', path, status, type, body);

describe('documentedAnswer', () => {
  it('accepts an answer that matches, with nulls where the schema is nullable', () => {
    expect(answer(`/items/${ID}`, 200, { id: ID, sentAt: null, tick: null })).toEqual({ ok: true, why: '' });
    expect(answer(`/items/${ID}?x=1`, 200, { id: ID, sentAt: '2026-11-22T10:00:00.000Z', tick: { n: 1 } })).toEqual({ ok: true, why: '' });
    expect(answer('/items/stats', 200, 'a 1\n', 'text/plain; version=0.0.4')).toEqual({ ok: true, why: '' });
  });

  it.each([
    ['a field the document does not name', `/items/${ID}`, 200, { id: ID, sentAt: null, extra: 1 }, /must NOT have additional properties/],
    ['a wrong format', `/items/${ID}`, 200, { id: 'x', sentAt: null }, /must match format "uuid"/],
    ['a missing required field', `/items/${ID}`, 200, { id: ID }, /must have required property 'sentAt'/],
    ['a wrong type in a referenced schema', `/items/${ID}`, 200, { id: ID, sentAt: null, tick: { n: 'one' } }, /must be integer/],
    ['an undocumented status', `/items/${ID}`, 500, { statusCode: 500, code: 'INTERNAL_ERROR', message: 'x' }, /500 is not documented/],
    ['an undocumented error code', `/items/${ID}`, 404, { statusCode: 404, code: 'GONE', message: 'x' }, /answered code GONE, documented: NOT_FOUND/],
    ['an unknown operation', '/nothing', 200, {}, /is not an operation/],
  ])('refuses %s', (_what, path, status, body, why) => {
    const result = answer(path, status, body);
    expect(result.ok).toBe(false);
    expect(result.why).toMatch(why);
  });

  it('refuses an undocumented content type', () => {
    expect(answer('/items/stats', 200, {}, 'application/json').why).toMatch(/answered application\/json, documented: text\/plain/);
  });
});
