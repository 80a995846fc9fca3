#!/usr/bin/env node
/**
 * The built entry points, named in this one place.
 *
 * Each app compiles with the libraries it imports, so tsc nests its output
 * (dist/apps/dispatcher/apps/dispatcher/src/main.js). After `npm run build` this script writes a
 * one-line module at the path a person would guess, which imports the compiled file:
 *
 *   dist/apps/dispatcher/main.js          the service (npm run start:prod, the image's CMD)
 *   dist/apps/dispatcher/migrate.js       runs the migrations and exits
 *   dist/apps/dispatcher/start-local.js   npm start: the service on embedded defaults
 *   dist/apps/gateway-sandbox/main.js     the stand-in SMS gateway
 *   dist/apps/seed/main.js                the seed command
 *
 * Everything else (package.json, Dockerfile, compose, Kubernetes, the local starter, tests and the
 * bench) names only these paths; test/deploy checks that every dist/ path they name is listed here.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The path people run -> the compiled module it loads (both relative to the repository root). */
export const ENTRY_POINTS = Object.freeze({
  'dist/apps/dispatcher/main.js': 'dist/apps/dispatcher/apps/dispatcher/src/main.js',
  'dist/apps/dispatcher/migrate.js': 'dist/apps/dispatcher/apps/dispatcher/src/migrate.js',
  'dist/apps/dispatcher/start-local.js': 'dist/apps/dispatcher/apps/dispatcher/src/local/start-local.js',
  'dist/apps/gateway-sandbox/main.js': 'dist/apps/gateway-sandbox/apps/gateway-sandbox/src/main.js',
  'dist/apps/seed/main.js': 'dist/apps/seed/apps/seed/src/main.js',
});

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The absolute path of an entry point, e.g. entryPoint('dist/apps/dispatcher/main.js'). */
export function entryPoint(name) {
  if (!(name in ENTRY_POINTS)) throw new Error(`${name} is not an entry point (scripts/entry-points.mjs)`);
  return path.join(ROOT, name);
}

/** Writes the stub of every entry point whose app has been built; returns the ones written. */
export function writeEntryPoints(root = ROOT) {
  const written = [];
  for (const [stub, target] of Object.entries(ENTRY_POINTS)) {
    if (!existsSync(path.join(root, target))) continue;
    const specifier = `./${path.relative(path.dirname(stub), target).split(path.sep).join('/')}`;
    writeFileSync(path.join(root, stub), `// Written by scripts/entry-points.mjs after the build: the guessable path of ${target}.\nimport '${specifier}';\n`);
    written.push(stub);
  }
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const written = writeEntryPoints();
  if (written.length === 0) {
    console.error('entry-points: nothing built under dist/ (run nest build first)');
    process.exit(1);
  }
}
