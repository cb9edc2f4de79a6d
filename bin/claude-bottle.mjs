#!/usr/bin/env node
// Thin launcher: the CLI itself is bundled to out/cli by `npm install` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = fileURLToPath(new URL('../out/cli/claude-bottle.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('claude-bottle: the CLI is not built yet; run `npm run build:cli` in the project folder\n');
  process.exit(1);
}
await import(pathToFileURL(bundle).href);
