// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const boundaries = (/** @type {string[]} */ banned) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: banned.map((group) => ({
        group: [group],
        message: 'Crosses a package boundary (see STYLE: extension → shared ← mcp-server).',
      })),
    },
  ],
});

const namedExportsOnly = { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' };
/** The named `z` export is a namespace object esbuild cannot shake: it keeps all of zod's locales in the bundle. */
const zodAsNamespace = {
  selector: "ImportDeclaration[source.value='zod'][importKind!='type'] > ImportSpecifier[imported.name='z']",
  message:
    "Write `import * as z from 'zod'`: `import { z }` bundles every zod locale (~360 KB the CLI parses per run).",
};

// eslint flat config must be a default export.
// eslint-disable-next-line no-restricted-syntax
export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.test-artifacts/**',
      '**/test/fixtures/**',
      'extension/.vscode-test/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      curly: ['error', 'multi-line'],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-restricted-syntax': ['error', namedExportsOnly],
    },
  },
  {
    files: ['shared/**'],
    rules: boundaries([
      'vscode',
      '@modelcontextprotocol/*',
      '@rollgate/extension',
      '@rollgate/mcp-server',
      '@rollgate/cli',
      '@rollgate/server',
    ]),
  },
  {
    // The CLI bundles shared/ and starts on every change: keep zod's locales out of it.
    files: ['shared/**', 'cli/**'],
    rules: { 'no-restricted-syntax': ['error', namedExportsOnly, zodAsNamespace] },
  },
  {
    files: ['mcp-server/**'],
    rules: {
      ...boundaries(['vscode', '@rollgate/extension', '@rollgate/cli', '@rollgate/server']),
      'no-console': 'error',
    },
  },
  {
    files: ['cli/**'],
    rules: boundaries(['vscode', '@rollgate/extension', '@rollgate/mcp-server', '@rollgate/server']),
  },
  {
    files: ['server/**'],
    rules: boundaries(['vscode', '@rollgate/extension', '@rollgate/mcp-server', '@rollgate/cli']),
  },
  { files: ['**/*.mjs'], ...tseslint.configs.disableTypeChecked, languageOptions: { globals: globals.node } },
);
