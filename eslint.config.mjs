// One lint setup for the repository: typescript-eslint with type information, plus the
// package-boundary rules of docs/architecture.md.
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const packageInternals = {
  group: ['@flowstate/*/src', '@flowstate/*/src/*', '../../*/src/*', '../../../packages/*/src/*'],
  message: 'Import another package by its name, never from its src/.',
};

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      'bench/**',
      '**/*.config.*',
      '**/bin/**',
      '.perf/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-restricted-imports': ['error', { patterns: [packageInternals] }],
    },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            packageInternals,
            { group: ['node:*'], message: 'core runs in the browser too: no Node APIs.' },
            { group: ['@flowstate/*'], message: 'core depends on nothing else in the repository.' },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/engine/src/**/*.ts', 'packages/sdk/src/**/*.ts'],
    ignores: ['packages/engine/src/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            packageInternals,
            {
              group: [
                '@flowstate/server',
                '@flowstate/cli',
                '@flowstate/store-*',
                '@flowstate/nodes',
              ],
              message: 'Imports point one way: core <- engine <- server <- cli.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/web/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
    },
  },
  {
    files: ['packages/store-*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            packageInternals,
            {
              group: [
                '@flowstate/server',
                '@flowstate/cli',
                '@flowstate/nodes',
                '@flowstate/store-*',
              ],
              message: "A store implements the engine's port: it imports core and engine only.",
            },
          ],
        },
      ],
    },
  },
);
