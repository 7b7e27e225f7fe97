// Lint rules that keep the architecture honest: no Electron or Node in shared code or the
// renderer (the renderer talks only through the typed bridge), strict TypeScript everywhere.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net']

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      'no-console': 'off',
    },
  },
  {
    // Main writes to the console only through src/main/log.ts, which redacts every line.
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/log.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['electron', 'react', ...nodeBuiltins], message: 'src/shared is pure TypeScript: no electron, node or DOM imports.' }] }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: [{ group: ['electron', ...nodeBuiltins, '**/main/**', '**/preload/**'], message: 'The renderer talks to main only through the typed bridge (window.exitdesk or the HTTP bridge).' }] }],
    },
  },
)
