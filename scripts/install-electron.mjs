// postinstall: fetches the Electron binary. From Electron 42 on, the `electron` package no longer
// downloads it at install time (it ships an `install-electron` command instead), so `npm install
// && npm start` stays the whole set-up only because of this step. Machines that cannot download it
// (CI here, headless hosts that only run `claude-bottle`) set ELECTRON_SKIP_BINARY_DOWNLOAD=1: the
// build, typecheck and tests need only Electron's type definitions. A download that fails (no
// network, a proxy, a Node older than Electron's installer wants) is reported and skipped: the
// install succeeds for the CLI and browser mode, and `npm start` names the retry (check-electron).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const skip = process.env.ELECTRON_SKIP_BINARY_DOWNLOAD;
if (skip !== undefined && skip !== '' && skip !== '0' && skip !== 'false') {
  process.stdout.write(
    'claude-bottle: ELECTRON_SKIP_BINARY_DOWNLOAD is set; not fetching the Electron binary (npm start needs it: run `npx install-electron` later)\n',
  );
  process.exit(0);
}

let installer;
try {
  installer = createRequire(import.meta.url).resolve('electron/install.js');
} catch {
  // A production install without devDependencies: the CLI and serve mode do not need Electron.
  process.stdout.write('claude-bottle: the electron package is not installed; skipping the Electron binary\n');
  process.exit(0);
}
const result = spawnSync(process.execPath, [installer], { stdio: 'inherit' });
if (result.status !== 0) {
  // Never fail `npm install` for this: the CLI and browser mode are installed and work without the
  // binary, and a failed postinstall would make npm report the whole install as failed (exit 1).
  const why =
    result.error !== undefined ? result.error.message : result.signal !== null ? `killed by ${result.signal}` : `exit ${result.status}`;
  process.stderr.write(
    `claude-bottle: could not fetch the Electron binary (${why}; the installer's output is above).\n` +
      'claude-bottle: npm install carries on: the command line (node bin/claude-bottle.mjs) and browser mode (serve) do not need it.\n' +
      'claude-bottle: the desktop app (npm start) does: retry with `npx install-electron` (ELECTRON_MIRROR=<url> for a mirror),\n' +
      'claude-bottle: or install with ELECTRON_SKIP_BINARY_DOWNLOAD=1 to skip it without this message.\n',
  );
}
