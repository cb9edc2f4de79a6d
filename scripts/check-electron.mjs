// prestart: a clear one-line answer when the Electron binary was never fetched, instead of
// electron-vite's "Electron uninstall".
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let packageDir;
try {
  packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
} catch {
  process.stderr.write('claude-bottle: the electron package is not installed; run `npm install` first\n');
  process.exit(1);
}
const pathFile = join(packageDir, 'path.txt');
const binary = existsSync(pathFile) ? join(packageDir, 'dist', readFileSync(pathFile, 'utf8')) : null;
if (binary === null || !existsSync(binary)) {
  process.stderr.write(
    'claude-bottle: the Electron binary is not installed (was ELECTRON_SKIP_BINARY_DOWNLOAD set?); run `npx install-electron`, then `npm start` again\n',
  );
  process.exit(1);
}
