/**
 * jest in native ESM mode (Nest 12 ships ESM only): run through `npm test`, which starts node
 * with --experimental-vm-modules. ts-jest only transpiles; `npm run typecheck` type-checks.
 */
const alias = (name, target) => [`^@app/${name}$`, `<rootDir>/${target}`];

export default {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: Object.fromEntries([
    alias('domain', 'libs/domain/src/index.ts'),
    alias('application', 'libs/application/src/index.ts'),
    alias('infrastructure', 'libs/infrastructure/src/index.ts'),
    alias('migrations', 'migrations/index.ts'),
    ['^(\\.{1,2}/.*(?<!\\.json))\\.js$', '$1'],
  ]),
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 30_000,
  // Two cores: more workers than that only makes the timing-sensitive e2e tests slower.
  maxWorkers: 2,
};
