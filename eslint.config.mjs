// Lint, and the layering rule of ../shared/ARCHITECTURE.md: dependencies point inward only
// (apps -> application -> domain; infrastructure -> domain), checked on every CI run.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const outside = (...names) => names.map((name) => ({ group: [name, `${name}/*`], message: `this layer must not depend on ${name}` }));
const frameworks = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/swagger',
  '@nestjs/typeorm',
  '@nestjs/terminus',
  'typeorm',
  'ioredis',
  'axios',
  'pg',
  'express',
  'class-validator',
  'class-transformer',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      'no-console': 'off',
    },
  },
  {
    files: ['libs/domain/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...outside('@app/application', '@app/infrastructure', '@app/migrations'),
            ...frameworks.map((f) => ({ group: [f, `${f}/*`], message: 'the domain imports no framework' })),
            { group: ['**/apps/**', '**/application/**', '**/infrastructure/**'], message: 'the domain depends on nothing' },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/application/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...outside('@app/infrastructure', '@app/migrations', 'typeorm', 'ioredis', 'axios', 'pg', 'express'),
            { group: ['**/apps/**', '**/infrastructure/**'], message: 'use cases reach the outside through ports only' },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/infrastructure/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...outside('@app/application'),
            { group: ['**/apps/**', '**/application/**'], message: 'adapters implement domain ports; they do not call use cases' },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/gateway-sandbox/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@app/*', '**/libs/**', '**/dispatcher/**'],
              message: 'the sandbox stands in for a third-party gateway and shares no code with the dispatcher',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'process',
          'console',
          'URL',
          'Buffer',
          'performance',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'setImmediate',
          'AbortController',
          'AbortSignal',
          'fetch',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts', '**/*.spec.tsx'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // consistent-type-imports would turn DI constructor parameters into type-only imports,
    // which erases the runtime token Nest needs.
    files: ['**/*.ts', '**/*.tsx'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
);
