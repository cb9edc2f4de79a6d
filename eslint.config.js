// Lint: type-aware rules that catch lost promises, and the import boundaries that keep the layout
// honest (VS Code's discipline: no upward imports, enforced here rather than hoped for).
import tseslint from 'typescript-eslint';

/** `no-restricted-imports` patterns forbidding the given layers (relative imports, any depth). */
function forbid(layers, extra = []) {
  return [
    ...layers.map((layer) => ({
      group: [`**/${layer}`, `**/${layer}/**`, `../${layer}/**`, `./${layer}/**`],
      message: `this layer must not import from src/${layer} (see eslint.config.js for the boundaries)`,
    })),
    ...extra,
  ];
}

const ELECTRON = { group: ['electron', 'electron/**'], message: 'only src/main and src/preload may import electron' };
const NODE = { group: ['node:*'], message: 'this layer runs in a page or a sandbox: no Node modules' };
const CONTRACT = {
  group: ['**/shared/ipc-contract', '**/shared/ipc-schemas'],
  message: 'the core knows nothing of IPC: use the domain types in src/shared (bottle-view, app-events, errors)',
};

const boundary = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'bin/**', 'scripts/*.mjs', 'scripts/*.cjs', '**/*.mjs', 'eslint.config.js'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/explicit-function-return-type': ['error', { allowExpressions: true, allowTypedFunctionExpressions: true, allowHigherOrderFunctions: true }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  // The core: no Electron, no front end, no IPC.
  boundary(['src/core/**'], forbid(['main', 'serve', 'cli', 'renderer', 'ipc', 'preload'], [ELECTRON, CONTRACT])),
  // The contract and its validation: pure, imported by every side.
  boundary(['src/shared/**'], forbid(['core', 'main', 'serve', 'cli', 'renderer', 'ipc', 'preload'], [ELECTRON, NODE])),
  // The contract bound to the services, shared by the desktop app and serve.
  boundary(['src/ipc/**'], forbid(['main', 'serve', 'cli', 'renderer', 'preload'], [ELECTRON])),
  boundary(['src/serve/**'], forbid(['main', 'cli', 'renderer', 'preload'], [ELECTRON])),
  boundary(['src/cli/**'], forbid(['main', 'renderer', 'preload'], [ELECTRON])),
  boundary(['src/main/**'], forbid(['serve', 'cli', 'renderer', 'preload'])),
  boundary(['src/preload/**'], forbid(['core', 'main', 'serve', 'cli', 'renderer', 'ipc'], [NODE])),
  // The page: the contract only.
  boundary(['src/renderer/**'], forbid(['core', 'main', 'serve', 'cli', 'ipc', 'preload'], [ELECTRON, NODE])),
);
