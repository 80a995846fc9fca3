import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { documentValidator, type OpenApiDocument, operationsOf, type SchemaObject, fetchDocument } from '@test/support/openapi.js';
import { type Stack, startStack } from '@test/support/stack.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REDOCLY = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
/** The routes that take a request body (the others ignore one). */
const BODY_ROUTES = [
  'post /api/v1/messages',
  'post /api/v1/messages/batch',
  'post /api/v1/messages/replay',
  'post /api/v1/messages/replay/preview',
  'post /api/v1/messages/{id}/settle',
];

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer?: string }[];
}

/**
 * Redocly's `recommended` rules on the document the service serves, offline: telemetry and the
 * update check off (they are the CLI's only network use), no config file (cwd is a temp dir).
 */
async function redoclyLint(doc: OpenApiDocument): Promise<{ totals: { errors: number; warnings: number }; problems: LintProblem[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'openapi-lint-'));
  try {
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(doc));
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      NO_COLOR: '1',
      REDOCLY_TELEMETRY: 'off',
      REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
      REDOCLY_SUPPRESS_NOTIFICATIONS: 'true',
    };
    const run = await promisify(execFile)(process.execPath, [REDOCLY, 'lint', '--extends', 'recommended', '--format', 'json', '--max-problems', '1000', file], {
      cwd: dir,
      env,
      timeout: 60_000,
    }).catch((error: { stdout?: string; stderr?: string; code?: number }) => {
      // Exit code 1 means "problems found": the JSON report is still on stdout.
      if (error.stdout) return { stdout: error.stdout, stderr: error.stderr ?? '' };
      throw error;
    });
    return JSON.parse(run.stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every schema of the document that carries an `example`, with where it is. */
function examplesOf(value: unknown, at = '#'): { at: string; schema: SchemaObject }[] {
  if (value === null || typeof value !== 'object') return [];
  const found: { at: string; schema: SchemaObject }[] = [];
  const node = value as SchemaObject;
  if ('example' in node && ('type' in node || '$ref' in node || 'allOf' in node || 'properties' in node)) found.push({ at, schema: node });
  for (const [key, child] of Object.entries(node)) if (key !== 'example' && key !== 'examples') found.push(...examplesOf(child, `${at}/${key}`));
  return found;
}

describe('OpenAPI document (e2e)', () => {
  let stack: Stack;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    stack = await startStack();
    doc = await fetchDocument(stack);
  });

  afterAll(async () => {
    await stack.close();
  });

  it("passes Redocly's recommended rules with no error", async () => {
    const report = await redoclyLint(doc);
    const describe = (p: LintProblem) => `${p.severity} ${p.ruleId} at ${p.location.map((l) => l.pointer).join(', ')}: ${p.message}`;
    const warnings = report.problems.filter((p) => p.severity !== 'error');
    if (warnings.length > 0) console.log(`Redocly recommended: ${warnings.length} warning(s)\n${warnings.map(describe).join('\n')}`);
    expect(report.problems.filter((p) => p.severity === 'error').map(describe)).toEqual([]);
    expect(report.totals.errors).toBe(0);
  }, 60_000);

  it('has only examples that match their schemas (no field the schema does not name)', () => {
    const validate = documentValidator(doc);
    const wrong: string[] = [];
    for (const { at, schema } of examplesOf(doc)) {
      const { valid, errors } = validate(schema, schema.example);
      if (!valid) wrong.push(`${at}: ${errors}`);
    }
    for (const { method, path, operation } of operationsOf(doc)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const media of Object.values(response.content ?? {})) {
          for (const [name, example] of Object.entries(media.examples ?? {})) {
            const { valid, errors } = validate(media.schema ?? {}, example.value);
            if (!valid) wrong.push(`${method} ${path} ${status} example ${name}: ${errors}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('states who may call each operation: the API key on /api/v1, `security: []` elsewhere', () => {
    for (const { method, path, operation } of operationsOf(doc)) {
      const expected = path.startsWith('/api/v1/') ? [{ 'x-ins-auth-key': [] }] : [];
      expect({ route: `${method} ${path}`, security: operation.security }).toEqual({ route: `${method} ${path}`, security: expected });
    }
  });

  it('lists on each operation the statuses it can answer, each error with the ErrorBody schema and an example per code', () => {
    for (const { method, path, operation } of operationsOf(doc)) {
      const route = `${method} ${path}`;
      const statuses = Object.keys(operation.responses);
      const must = ['431'];
      if (path.startsWith('/api/v1/')) must.push('401', '500');
      if (BODY_ROUTES.includes(route)) must.push('400', '413', '415');
      if (path.includes('{id}')) must.push('400', '404');
      expect({ route, missing: must.filter((s) => !statuses.includes(s)) }).toEqual({ route, missing: [] });
      expect({ route, success: statuses.filter((s) => s.startsWith('2')).length }).toEqual({ route, success: 1 });
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        const media = operation.responses[status].content?.['application/json'];
        if (route === 'get /health' && status === '503') {
          // The one exception: GET /health answers "down" with its health report, as with 200, not an error body.
          expect({ route, status, schema: media?.schema }).toEqual({ route, status, schema: operation.responses['200'].content?.['application/json'].schema });
          expect(Object.keys(media?.examples ?? {})).toEqual(['down']);
          continue;
        }
        expect({ route, status, schema: media?.schema }).toEqual({ route, status, schema: { $ref: '#/components/schemas/ErrorBody' } });
        const examples = Object.entries(media?.examples ?? {});
        expect(examples.length).toBeGreaterThan(0);
        for (const [code, example] of examples)
          expect({ route, status, code, example: example.value }).toMatchObject({ route, status, code, example: { statusCode: Number(status), code } });
      }
    }
  });

  it('types ErrorBody.details as what it is: an array of { field, messages }', () => {
    const { ErrorBody, FieldViolationDto } = doc.components.schemas;
    expect(ErrorBody.required).toEqual(['statusCode', 'code', 'message']);
    expect(ErrorBody.properties.details).toMatchObject({ type: 'array', items: { $ref: '#/components/schemas/FieldViolationDto' } });
    expect(FieldViolationDto).toMatchObject({
      required: ['field', 'messages'],
      properties: { field: { type: 'string' }, messages: { type: 'array', items: { type: 'string' } } },
    });
  });

  it('has a license, a server and a tag description for every tag used', () => {
    expect(doc.info.license).toMatchObject({ name: expect.stringContaining('UNLICENSED') });
    expect((doc as unknown as { servers: unknown[] }).servers).toEqual([expect.objectContaining({ url: '/' })]);
    const tags = new Map(((doc as unknown as { tags: { name: string; description: string }[] }).tags ?? []).map((t) => [t.name, t.description]));
    for (const { operation } of operationsOf(doc))
      for (const tag of (operation as unknown as { tags: string[] }).tags) expect(tags.get(tag)).toEqual(expect.any(String));
  });
});
