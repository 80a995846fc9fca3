/**
 * The built entry points are named in one place (scripts/entry-points.mjs): every `dist/` path
 * that package.json, the Dockerfile, compose, Kubernetes, the README, the local starter, the bench
 * and the fault harness run is one of them, each points at a compiled source that exists, and the
 * stubs the build writes load their target.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface EntryPointsModule {
  ENTRY_POINTS: Readonly<Record<string, string>>;
  entryPoint(name: string): string;
  writeEntryPoints(root?: string): string[];
}

const FILES_THAT_RUN_THE_BUILD = [
  'package.json',
  'Dockerfile',
  'docker-compose.yml',
  'deploy/kubernetes/deployment.yaml',
  'deploy/kubernetes/README.md',
  'README.md',
  '.env.example',
  'bench/bench.mjs',
  'apps/dispatcher/src/local/start-local.ts',
  'test/fault/support/dispatcher-process.ts',
];

describe('built entry points (scripts/entry-points.mjs)', () => {
  let entryPoints: EntryPointsModule;
  let scratch: string;

  beforeAll(async () => {
    entryPoints = (await import(pathToFileURL(join(ROOT, 'scripts/entry-points.mjs')).href)) as EntryPointsModule;
    scratch = mkdtempSync(join(tmpdir(), 'entry-points-'));
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('are short, guessable paths: dist/apps/<app>/<name>.js', () => {
    for (const name of Object.keys(entryPoints.ENTRY_POINTS)) expect(name).toMatch(/^dist\/apps\/[a-z-]+\/[a-z-]+\.js$/);
  });

  it('each point at the compiled form of a source file that exists', () => {
    for (const target of Object.values(entryPoints.ENTRY_POINTS)) {
      const source = target.replace(/^dist\/apps\/[a-z-]+\//, '').replace(/\.js$/, '.ts');
      expect({ target, sourceExists: existsSync(join(ROOT, source)) }).toEqual({ target, sourceExists: true });
    }
  });

  it('are the only dist/ paths the repository runs', () => {
    const named = new Set(Object.keys(entryPoints.ENTRY_POINTS));
    const seen: string[] = [];
    for (const file of FILES_THAT_RUN_THE_BUILD) {
      for (const [path] of readFileSync(join(ROOT, file), 'utf8').matchAll(/dist\/apps\/[\w./-]+\.js/g)) {
        seen.push(path);
        expect({ file, path, listed: named.has(path) }).toEqual({ file, path, listed: true });
      }
    }
    // The service, its migrations, the local starter and the sandbox are all run from somewhere.
    expect(new Set(seen)).toEqual(named);
  });

  it('refuses a name that is not an entry point', () => {
    expect(entryPoints.entryPoint('dist/apps/dispatcher/main.js')).toBe(join(ROOT, 'dist/apps/dispatcher/main.js'));
    expect(() => entryPoints.entryPoint('dist/apps/dispatcher/apps/dispatcher/src/main.js')).toThrow(/not an entry point/);
  });

  it('writes stubs that load their target, and only for what was built', async () => {
    const [[firstStub, firstTarget], [secondStub]] = Object.entries(entryPoints.ENTRY_POINTS);
    mkdirSync(dirname(join(scratch, firstTarget)), { recursive: true });
    writeFileSync(join(scratch, firstTarget), 'globalThis.__entryPointLoaded = (globalThis.__entryPointLoaded ?? 0) + 1;\n');
    writeFileSync(join(scratch, 'package.json'), '{"type":"module"}\n');

    expect(entryPoints.writeEntryPoints(scratch)).toEqual([firstStub]);
    expect(existsSync(join(scratch, secondStub))).toBe(false);

    await import(pathToFileURL(join(scratch, firstStub)).href);
    expect((globalThis as { __entryPointLoaded?: number }).__entryPointLoaded).toBe(1);
  });
});
