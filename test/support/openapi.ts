/**
 * The OpenAPI document as a test oracle: the service's own /docs-json, turned into JSON Schema
 * (ajv + ajv-formats) so that an answer can be checked against what the document says of its
 * operation and status. Used by the e2e specs and the fuzz test.
 */
import { expect } from '@jest/globals';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';
import type { Stack } from './stack.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type SchemaObject = Record<string, any>;

export interface OpenApiOperation {
  operationId: string;
  parameters?: { name: string; in: 'query' | 'path' | 'header' | 'cookie'; required?: boolean; schema?: SchemaObject; description?: string }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: SchemaObject }> };
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema?: SchemaObject; example?: unknown; examples?: Record<string, { value: unknown }> }> }
  >;
  security?: Record<string, string[]>[];
}

export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, SchemaObject>; securitySchemes?: Record<string, unknown> };
}

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** The document the service serves, as a client would fetch it. */
export async function fetchDocument(stack: Stack): Promise<OpenApiDocument> {
  return (await stack.api('get', '/docs-json', false).expect(200)).body as OpenApiDocument;
}

/** Every operation of the document: method, path template and the operation object. */
export function operationsOf(doc: OpenApiDocument): { method: string; path: string; operation: OpenApiOperation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => (HTTP_METHODS as readonly string[]).includes(method))
      .map(([method, operation]) => ({ method, path, operation })),
  );
}

const DOC_ID = 'openapi-document';

/**
 * An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes a union with null, references point
 * into the document (registered under DOC_ID). With `closed`, an object schema that lists its
 * properties and says nothing of others allows no others: an answer must not carry a field the
 * document does not name (the document itself stays open, for clients to tolerate additions).
 */
export function toJsonSchema(schema: unknown, closed: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(s, closed));
  if (schema === null || typeof schema !== 'object') return schema;
  const source = schema as SchemaObject;
  const out: SchemaObject = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'nullable' || key === 'example' || key === 'examples' || key === 'discriminator' || key === 'xml' || key === 'externalDocs') continue;
    if (key === '$ref' && typeof value === 'string') out.$ref = value.startsWith('#') ? `${DOC_ID}${value}` : value;
    else if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value as SchemaObject).map(([name, sub]) => [name, toJsonSchema(sub, closed)]));
    } else if (key === 'enum' || key === 'required' || key === 'default' || key === 'const') out[key] = value;
    else out[key] = toJsonSchema(value, closed);
  }
  if (closed && out.properties && out.additionalProperties === undefined && !out.allOf && !out.oneOf && !out.anyOf) out.additionalProperties = false;
  if (source.nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}

/** ajv for the document's schemas: `closed` as in toJsonSchema. */
export function documentValidator(doc: OpenApiDocument, closed = true) {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  const schemas = Object.fromEntries(Object.entries(doc.components.schemas).map(([name, schema]) => [name, toJsonSchema(schema, closed)]));
  ajv.addSchema({ $id: DOC_ID, components: { schemas } });
  const cache = new Map<unknown, ValidateFunction>();
  return (schema: SchemaObject, value: unknown): { valid: boolean; errors: string } => {
    let validate = cache.get(schema);
    if (!validate) {
      validate = ajv.compile(toJsonSchema(schema, closed) as SchemaObject);
      cache.set(schema, validate);
    }
    const valid = validate(value) as boolean;
    return { valid, errors: valid ? '' : ajv.errorsText(validate.errors, { separator: '; ' }) };
  };
}

const validators = new WeakMap<OpenApiDocument, ReturnType<typeof documentValidator>>();

function validatorOf(doc: OpenApiDocument) {
  let validate = validators.get(doc);
  if (!validate) {
    validate = documentValidator(doc);
    validators.set(doc, validate);
  }
  return validate;
}

/** The path template of the document that `path` (no query) matches, e.g. /api/v1/messages/{id}. */
export function templateOf(doc: OpenApiDocument, method: string, path: string): string | undefined {
  if (doc.paths[path]?.[method]) return path;
  return Object.keys(doc.paths).find((template) => {
    if (!doc.paths[template][method] || !template.includes('{')) return false;
    const pattern = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${pattern.join('[^/]+')}$`).test(path);
  });
}

/** What the document says of one answer, or why it says nothing. */
export function documentedAnswer(doc: OpenApiDocument, method: string, path: string, status: number, contentType: string | undefined, body: unknown) {
  const template = templateOf(doc, method.toLowerCase(), path.split('?')[0]);
  if (!template) return { ok: false, why: `${method.toUpperCase()} ${path} is not an operation of the document` };
  const operation = doc.paths[template][method.toLowerCase()];
  const response = operation.responses[String(status)] ?? operation.responses[`${String(status)[0]}XX`] ?? operation.responses.default;
  const where = `${method.toUpperCase()} ${template} ${status}`;
  if (!response) return { ok: false, why: `${where} is not documented (documented: ${Object.keys(operation.responses).join(', ')})` };
  if (!response.content) {
    return body === undefined || body === '' || (typeof body === 'object' && body !== null && Object.keys(body).length === 0)
      ? { ok: true, why: '' }
      : { ok: false, why: `${where} documents no body` };
  }
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const media = response.content[mediaType];
  if (!media) return { ok: false, why: `${where} answered ${mediaType || 'no content type'}, documented: ${Object.keys(response.content).join(', ')}` };
  if (!media.schema) return { ok: true, why: '' };
  const { valid, errors } = validatorOf(doc)(media.schema, body);
  if (!valid) return { ok: false, why: `${where} body does not match the document: ${errors}\nbody: ${JSON.stringify(body)?.slice(0, 2_000)}` };
  // An error answer carries one of the codes the operation documents for its status (an example is named after each).
  if (status >= 400 && media.examples && typeof body === 'object' && body !== null && 'code' in body) {
    const code = String((body as { code: unknown }).code);
    if (!(code in media.examples)) return { ok: false, why: `${where} answered code ${code}, documented: ${Object.keys(media.examples).join(', ')}` };
  }
  return { ok: true, why: '' };
}

/** Fails unless the document lists `status` for the operation and `body` matches its schema (closed objects). */
export function expectToMatchDocument(
  doc: OpenApiDocument,
  method: string,
  path: string,
  status: number,
  body: unknown,
  contentType = 'application/json',
): void {
  const { ok, why } = documentedAnswer(doc, method, path, status, contentType, body);
  expect({ ok, why }).toEqual({ ok: true, why: '' });
}

/** expectToMatchDocument for a supertest answer (method, path, status, content type and body). */
export function expectResponseToMatchDocument(doc: OpenApiDocument, res: Response): void {
  const req = (res as unknown as { req: { method: string; path: string } }).req;
  const contentType = res.headers['content-type'] as string | undefined;
  const body = contentType?.startsWith('application/json') ? res.body : res.text;
  expectToMatchDocument(doc, req.method, req.path, res.status, body, contentType ?? '');
}
