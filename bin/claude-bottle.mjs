#!/usr/bin/env node
// Launcher for the bundled CLI (built by `npm install` via prepare, or `npm run build:cli`).
// It runs the CommonJS bundle through vm.Script with a V8 code cache kept beside it, so a command
// does not re-parse 1.5 MB of JavaScript every time: the CLI is what scripts call in loops.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const bundle = fileURLToPath(new URL('../out/cli/claude-bottle.cjs', import.meta.url));
// One cache per command: V8 caches the functions a run compiled, and each command runs others.
const command = /^[a-z]{1,16}$/.test(process.argv[2] ?? '') ? process.argv[2] : 'other';
const cacheFile = `${bundle}.${command}.v8-${process.version}.cache`;

let source;
try {
  source = readFileSync(bundle, 'utf8');
} catch {
  // Named with the folder: this runs from anywhere (npm link, npx in a clone), not only from the project.
  const project = dirname(dirname(fileURLToPath(import.meta.url)));
  process.stderr.write(
    `claude-bottle: the CLI is not built yet (no ${bundle}); run npm install in ${project} (npm run build:cli rebuilds it)\n`,
  );
  process.exit(1);
}
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new Script(Module.wrap(source), { filename: bundle, cachedData, importModuleDynamically: (specifier) => import(specifier) });
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
if (cachedData === undefined || script.cachedDataRejected) {
  // After the first run, so the functions it compiled are in the cache too; best effort.
  setImmediate(() => {
    try {
      const temp = `${cacheFile}.${process.pid}`;
      writeFileSync(temp, script.createCachedData());
      renameSync(temp, cacheFile);
    } catch {
      // A read-only install just runs without the cache.
    }
  });
}
