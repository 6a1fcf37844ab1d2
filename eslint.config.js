import tseslint from 'typescript-eslint';

/** Packages the host-agnostic core must never import: it runs in the CLI and the browser host too. */
export const UI_PACKAGES = ['electron', 'electron/*', 'react', 'react/*', 'react-dom', 'react-dom/*', 'konva', 'konva/*', 'react-konva', 'react-konva/*'];

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'test-results/**', '.demo/**', '.bench/**'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['app/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: UI_PACKAGES,
              message: 'app/ is host-agnostic: electron, react and konva belong in main/ and renderer/.',
            },
          ],
        },
      ],
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+app/(?!contract/)',
              message: 'renderer/ talks to the core only through app/contract/ (types, schemas and the shared geometry).',
            },
          ],
        },
      ],
      'no-restricted-imports': 'off',
    },
  },
);
