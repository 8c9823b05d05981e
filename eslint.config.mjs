// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** Workflow code runs in Temporal's deterministic sandbox: it may import only the workflow SDK (and its
 *  deterministic @temporalio/common types), the pure domain core, sibling workflow files and, as types only,
 *  the activity interfaces. */
const workflowImportRules = {
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          regex:
            '^(?!@temporalio/(workflow|common)$)(?!\\./)(?!\\.\\./domain(/|$))(?!\\.\\./activities(/|$))',
          message:
            'Workflow files may import only @temporalio/workflow (and @temporalio/common), domain/, other workflow files and activity types (no Node APIs, no integration code).',
        },
        {
          regex: '^\\.\\./activities(/|$)',
          allowTypeImports: true,
          message: 'Workflows may import activity *types* only: use `import type`.',
        },
      ],
    },
  ],
};

/** The domain core is pure: no I/O, no Temporal, no integrations; only zod and itself. */
const domainMessage =
  'domain/ is pure: it may import only zod, yaml (pure parsers) and other domain modules (no Node APIs, no Temporal, no I/O).';
const domainImportRules = (escape) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      patterns: [
        { regex: '^(?!(zod|yaml)$)(?!\\.)', message: domainMessage },
        { regex: escape, message: domainMessage },
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', 'coverage/', 'bench/results/', 'sandbox/.run/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', '*.js', 'test/support/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  { files: ['workflows/**/*.ts'], rules: workflowImportRules },
  { files: ['domain/*.ts'], rules: domainImportRules('^\\.\\./') },
  { files: ['domain/*/*.ts'], rules: domainImportRules('^\\.\\./\\.\\./') },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' },
    },
  },
  prettier,
);
