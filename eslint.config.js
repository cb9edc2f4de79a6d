// Lint: type-aware rules that catch lost promises, and the import boundaries that keep the layout
// honest (VS Code's discipline: no upward imports, enforced here rather than hoped for).
import reactHooks from 'eslint-plugin-react-hooks';
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

// The engine behind one client: dockerode (type imports included) is src/core/engine's alone, whose
// EngineClient types its streams once; everything else asks that client. Tests may use dockerode.
const DOCKERODE = {
  group: ['dockerode', 'dockerode/**', 'docker-modem', 'docker-modem/**'],
  message: 'only src/core/engine talks to dockerode: use its EngineClient (src/core/engine/engine-client.ts)',
};

const CORE = forbid(['main', 'serve', 'cli', 'renderer', 'ipc', 'preload'], [ELECTRON, CONTRACT]);
/** A boundary's patterns, plus dockerode for every file of src outside src/core/engine. */
const boundary = (files, patterns) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: files.every((glob) => glob.startsWith('src/core/engine/')) ? patterns : [...patterns, DOCKERODE] },
    ],
  },
});

/*
 * The core's layers, bottom first. A file in src/core/<layer> may import its own layer and the
 * layers before it, never one after it: the order is total, so no two folders can import each other
 * and no cycle can form between them (test/unit/core-layers.test.ts also finds any cycle between
 * files, and any folder missing from this list). Why each sits where it does:
 *   fs           file helpers over node:fs (atomic write, no-symlink read, folder size): nothing of ours.
 *   base         what every layer uses and that knows no domain: BottleError, the activity tracker
 *                (progress and the per-bottle lock), the core log, notices, the app's resources folder.
 *   state        the state folder (paths, metadata, settings, limits, listing): files only, no engine.
 *   timeline     a bottle's record of what happened (timeline.jsonl and the decisions journal): files
 *                only, written by every layer above (a lifecycle, a request, a checkpoint), so low.
 *   engine       Docker: connections, the engine registry, containers, archives, images, mount points;
 *                it labels containers with this state root's instance, so it sits above state.
 *   agents       agent definitions, their copies and their trust: folders and an image hash, never a
 *                running bottle, so the first domain.
 *   deps         the dependency bag every later domain takes (CoreDeps: the engine, every engine, the
 *                activity tracker, the bottle loader) and LoadedBottle; a loaded bottle carries its
 *                agent, so above agents.
 *   credentials  the host credential store, the pickup from a container, the sync into running
 *                bottles: an agent's options and the engine, never a bottle's lifecycle.
 *   changes      a bottle's workspace read, compared, exported and applied: the engine and the
 *                baseline, never a lifecycle or a credential (its order after credentials is only
 *                fixed so that the two can never start importing each other).
 *   bottles      a bottle's lifecycle (launch, stop, remove, image, terminals, logs): the launch loads
 *                the agent, injects credentials and takes the Changes baseline, so above all three.
 *   rebuild      capability requests and their approval, which rebuilds the image and restarts the
 *                bottle: above bottles.
 *   checkpoints  a bottle's checkpoints (issue 24): its workspace and transcript copied out of its
 *                container, its image and its repository's state read (bottles, changes): above
 *                both; nothing below takes a checkpoint.
 *   forks        a fork's state filled from a parent's checkpoint (its workspace, transcript,
 *                Dockerfile, image and baseline): above checkpoints.
 *   services     the operations the front ends call, each composing the domains (with the bottle
 *                listing, a view over all of them).
 * On top, src/core/create-core.ts wires the services; nothing in the core imports it.
 */
export const CORE_LAYERS = [
  'fs',
  'base',
  'state',
  'timeline',
  'engine',
  'agents',
  'deps',
  'credentials',
  'changes',
  'bottles',
  'rebuild',
  'checkpoints',
  'forks',
  'services',
];
const CORE_ORDER = `${CORE_LAYERS.join(' < ')} < create-core`;

/** Patterns forbidding a core layer every layer after it, and create-core. */
function coreLayerPatterns(layer) {
  const above = [...CORE_LAYERS.slice(CORE_LAYERS.indexOf(layer) + 1), 'create-core'];
  return above.map((upper) => ({
    group: [`../${upper}`, `../${upper}/**`, `./${upper}`, `./${upper}/**`],
    message: `core layers: src/core/${layer} must not import src/core/${upper}, which sits above it (${CORE_ORDER}; see eslint.config.js)`,
  }));
}

/*
 * Errors are never silent (issue 18): a catch names what it caught and hands it on, reports it, or
 * says in a comment exactly what it swallows and why that is safe. The meant cases each have one
 * helper: "not there" (src/core/fs/if-exists.ts), an engine's 404 (src/core/engine/
 * if-engine-object-exists.ts), text that is not JSON (src/core/base/parse-json.ts), a queue waiting
 * for the step before it (src/core/base/settled.ts). So a catch without a binding, or a rejection
 * handler that takes no error, is refused: in the whole core, the front ends and the page.
 */
const SILENT_CATCH_FILES = [
  ...CORE_LAYERS.map((layer) => `src/core/${layer}/**`),
  'src/core/*.ts',
  'src/serve/**',
  'src/main/**',
  'src/cli/**',
  'src/gateway/**',
  'src/ipc/**',
  'src/preload/**',
  'src/renderer/**',
];
const SILENT_CATCH =
  'a silent catch: write catch (error: unknown), then rethrow, report (notices, core log), or say in a comment what it swallows and why; for "not there" use src/core/fs/if-exists.ts (see eslint.config.js)';
const NO_SILENT_CATCH = {
  files: SILENT_CATCH_FILES,
  rules: {
    'no-restricted-syntax': [
      'error',
      { selector: 'CatchClause[param=null]', message: SILENT_CATCH },
      { selector: 'CallExpression[callee.property.name="catch"] > :function.arguments[params.length=0]', message: SILENT_CATCH },
      {
        selector: 'CallExpression[callee.property.name="then"] > :function.arguments[params.length=0]:nth-child(2)',
        message: SILENT_CATCH,
      },
    ],
  },
};

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'bin/**',
      'scripts/*.mjs',
      'scripts/*.cjs',
      '**/*.mjs',
      'eslint.config.js',
    ],
  },
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
      '@typescript-eslint/explicit-function-return-type': [
        'error',
        { allowExpressions: true, allowTypedFunctionExpressions: true, allowHigherOrderFunctions: true },
      ],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  // Anything of src not under a boundary below still leaves dockerode to the engine.
  boundary(['src/**'], []),
  // The core: no Electron, no front end, no IPC; inside it, no layer imports one above it. (A later
  // entry replaces an earlier one's patterns for the same files, so each layer repeats the core's.)
  boundary(['src/core/**'], CORE),
  ...CORE_LAYERS.map((layer) => boundary([`src/core/${layer}/**`], [...CORE, ...coreLayerPatterns(layer)])),
  // The contract and its validation: pure, imported by every side.
  boundary(['src/shared/**'], forbid(['core', 'main', 'serve', 'cli', 'renderer', 'ipc', 'preload'], [ELECTRON, NODE])),
  // The contract bound to the services, shared by the desktop app and serve.
  boundary(['src/ipc/**'], forbid(['main', 'serve', 'cli', 'renderer', 'preload'], [ELECTRON])),
  boundary(['src/serve/**'], forbid(['main', 'cli', 'renderer', 'preload'], [ELECTRON])),
  boundary(['src/cli/**'], forbid(['main', 'renderer', 'preload'], [ELECTRON])),
  // The network gateway runs alone in its container: the contract and Node modules, nothing of the app.
  boundary(['src/gateway/**'], forbid(['core', 'main', 'serve', 'cli', 'renderer', 'ipc', 'preload'], [ELECTRON])),
  boundary(['src/main/**'], forbid(['serve', 'cli', 'renderer', 'preload'])),
  boundary(['src/preload/**'], forbid(['core', 'main', 'serve', 'cli', 'renderer', 'ipc'], [NODE])),
  // The page: the contract only.
  boundary(['src/renderer/**'], forbid(['core', 'main', 'serve', 'cli', 'ipc', 'preload'], [ELECTRON, NODE])),
  // React's own rules for hooks (and the compiler-backed ones of its recommended set), as errors:
  // a missed effect dependency is a stale view, not a style point.
  {
    files: ['src/renderer/**/*.tsx', 'src/renderer/**/*.ts'],
    ...reactHooks.configs.flat.recommended,
    rules: { ...reactHooks.configs.flat.recommended.rules, 'react-hooks/exhaustive-deps': 'error' },
  },
  NO_SILENT_CATCH,
);
