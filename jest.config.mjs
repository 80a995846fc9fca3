/**
 * jest in native ESM mode (Nest 12 ships ESM only): run through `npm test`, which starts node
 * with --experimental-vm-modules. ts-jest only transpiles; `npm run typecheck` type-checks.
 *
 * Four tiers, each a jest project with its own setup:
 *   unit         *.spec.ts next to the code, and test/support's own specs: no services, no build
 *   integration  test/integration: the real PostgreSQL and Redis (a fresh database per file)
 *   e2e          test/e2e and test/deploy: the real app over HTTP, with PostgreSQL, Redis and
 *                the sandbox gateway
 *   fault        test/fault: the built dispatcher as child processes that get killed
 * `npm test` runs them all (CI); `npm run test:unit` (and :integration, :e2e, :fault) one.
 */
const alias = (name, target) => [`^@app/${name}$`, `<rootDir>/${target}`];

const shared = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: Object.fromEntries([
    alias('domain', 'libs/domain/src/index.ts'),
    alias('application', 'libs/application/src/index.ts'),
    alias('infrastructure', 'libs/infrastructure/src/index.ts'),
    alias('migrations', 'migrations/index.ts'),
    ['^@test/(.*)\\.js$', '<rootDir>/test/$1'],
    ['^(\\.{1,2}/.*(?<!\\.json))\\.js$', '$1'],
  ]),
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
};

/** Tiers that talk to PostgreSQL and Redis: checked up front, databases dropped at the end. */
const withServices = {
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
};

export default {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/test/support/**/*.spec.ts'] },
    { ...shared, ...withServices, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.spec.ts'] },
    { ...shared, ...withServices, displayName: 'e2e', testMatch: ['<rootDir>/test/{e2e,deploy}/**/*.spec.ts'] },
    {
      ...shared,
      ...withServices,
      displayName: 'fault',
      testMatch: ['<rootDir>/test/fault/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup-fault.mjs',
    },
  ],
  testTimeout: 30_000,
  // Two cores: more workers than that only makes the timing-sensitive e2e tests slower.
  maxWorkers: 2,
};
