// Bundles the claude-bottle CLI (and `serve`) into one ESM file that plain Node runs, so the bin
// starts fast and needs no TypeScript loader. Runs on `npm install` (prepare) and in `npm run build`.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'out/cli/claude-bottle.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
