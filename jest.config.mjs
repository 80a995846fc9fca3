/**
 * jest in native ESM mode (Nest 12 ships ESM only): run through `npm test`, which starts node
 * with --experimental-vm-modules. ts-jest only transpiles; `npm run typecheck` type-checks.
 *
 * Five tiers, each a jest project with its own setup:
 *   unit         *.spec.ts next to the code, and test/support's own specs: no services, no build
 *   integration  test/integration: the real PostgreSQL and Redis (a fresh database per file)
 *   e2e          test/e2e and test/deploy: the real app over HTTP, with PostgreSQL, Redis and
 *                the sandbox gateway
 *   fault        test/fault: the built dispatcher as child processes that get killed
 *   browser      test/browser: the real app on a real port, driven by Debian's Chromium
 *                (playwright-core, /usr/bin/chromium; never a downloaded browser)
 * `npm test` runs them all (CI); `npm run test:unit` (and :integration, :e2e, :fault, :browser) one.
 */
const alias = (name, target) => [`^@app/${name}$`, `<rootDir>/${target}`];

const shared = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
  extensionsToTreatAsEsm: ['.ts', '.tsx'],
  moduleNameMapper: Object.fromEntries([
    alias('domain', 'libs/domain/src/index.ts'),
    alias('application', 'libs/application/src/index.ts'),
    alias('infrastructure', 'libs/infrastructure/src/index.ts'),
    alias('migrations', 'migrations/index.ts'),
    ['^@test/(.*)\\.js$', '<rootDir>/test/$1'],
    ['^(\\.{1,2}/.*(?<!\\.json))\\.js$', '$1'],
  ]),
  transform: { '^.+\\.tsx?$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
};

/** Tiers that talk to PostgreSQL and Redis: checked up front, databases dropped at the end. */
const withServices = {
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
};

export default {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.{ts,tsx}', '<rootDir>/test/support/**/*.spec.ts'] },
    { ...shared, ...withServices, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.spec.ts'] },
    { ...shared, ...withServices, displayName: 'e2e', testMatch: ['<rootDir>/test/{e2e,deploy}/**/*.spec.ts'] },
    {
      ...shared,
      ...withServices,
      displayName: 'fault',
      testMatch: ['<rootDir>/test/fault/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup-fault.mjs',
    },
    { ...shared, ...withServices, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.spec.ts'] },
  ],
  testTimeout: 30_000,
  // Two cores: more workers than that only makes the timing-sensitive e2e tests slower.
  maxWorkers: 2,
};
