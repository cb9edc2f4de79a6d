// Bundles the claude-bottle CLI (and `serve`) with its dependencies into one file that plain
// Node runs. Bundling matters for speed: resolving and loading hundreds of small package files
// cost ~300 ms per invocation; the single bundle starts in well under 100 ms. Runs on
// `npm install` (prepare) and in `npm run build`.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// Without the project's dependencies there is nothing to build with. That happens when npm runs
// this as `prepare` while installing the clone's folder itself, as `npx claude-bottle` does in a
// clone that has no node_modules yet: npm hides this script's output and exits 1 with no word.
// Then the step is skipped and the launcher says what to run instead (bin/claude-bottle.mjs).
try {
  createRequire(import.meta.url).resolve('esbuild');
} catch {
  const project = dirname(dirname(fileURLToPath(import.meta.url)));
  process.stderr.write(`claude-bottle: the project's dependencies are not installed; run npm install in ${project} to build the CLI\n`);
  process.exit(process.env.npm_lifecycle_event === 'prepare' ? 0 : 1);
}
const { build } = await import('esbuild');
const { buildGateway } = await import('./build-gateway.mjs');

/**
 * dockerode loads ssh2 (for ssh:// engines) and gRPC (for BuildKit sessions) eagerly, and ssh2
 * initialises WebAssembly crypto at load: ~100 ms on every command that talks to Docker. Both
 * are only needed on those rare paths, so their requires are deferred to first use.
 */
const deferHeavyRequires = {
  name: 'defer-heavy-requires',
  setup(pluginBuild) {
    const rewrites = [
      {
        file: /docker-modem[\\/]lib[\\/]modem\.js$/,
        from: "ssh = require('./ssh'),",
        to: "ssh = function (opt) { return require('./ssh')(opt); },",
      },
      {
        file: /dockerode[\\/]lib[\\/]docker\.js$/,
        from: "withSession = require('./session'),",
        to: "withSession = function () { return require('./session').apply(this, arguments); },",
      },
    ];
    pluginBuild.onLoad({ filter: /(docker-modem|dockerode)[\\/]lib[\\/](modem|docker)\.js$/ }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      for (const rewrite of rewrites) {
        if (!rewrite.file.test(args.path)) continue;
        if (!contents.includes(rewrite.from)) throw new Error(`defer-heavy-requires: "${rewrite.from}" not found in ${args.path}`);
        contents = contents.replace(rewrite.from, rewrite.to);
      }
      return { contents, loader: 'js' };
    });
  },
};

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'out/cli/claude-bottle.cjs',
  bundle: true,
  platform: 'node',
  // CommonJS, so bin/claude-bottle.mjs can run it through vm.Script with a V8 code cache
  // (Node 20 has no compile cache for ES modules; parsing the bundle cold costs ~35 ms).
  format: 'cjs',
  define: {
    'import.meta.url': '__cbImportMetaUrl',
    'import.meta.dirname': '__dirname',
    // `claude-bottle --version`: the package's version, fixed when the CLI is built.
    __CLAUDE_BOTTLE_VERSION__: JSON.stringify(JSON.parse(await readFile('package.json', 'utf8')).version),
  },
  inject: ['scripts/cli-import-meta.cjs'],
  target: 'node20',
  // Optional native add-ons that their packages load inside try/catch.
  external: ['cpu-features', 'bufferutil', 'utf-8-validate', '*.node'],
  minify: true,
  sourcemap: 'linked',
  plugins: [deferHeavyRequires],
  logLevel: 'warning',
});

// The network gateway's program (issue 19), for the gateway container's image.
await buildGateway();
