// Lint rules for every TypeScript file in the repository: the recommended sets plus the
// few rules that catch real bugs in async server code (floating and misused promises).
// Run from the repository root (`npm run lint`), which is the base for every pattern here.
import { dirname } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const root = dirname(import.meta.dirname);

export default tseslint.config(
  { ignores: ['node_modules/', 'web/dist/', '.data/', 'docs/', 'coverage/', '.config/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
);
