import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// Issue 22 (11): a machine that cannot download Electron still gets a working `npm install` for the
// CLI and browser mode. The postinstall step runs in a temporary copy, with the real `electron`
// installer pointed at a mirror where nothing listens: the project's own node_modules/electron is
// never written.
const ROOT = join(import.meta.dirname, '..', '..');
let folder = '';
afterEach(async () => {
  if (folder !== '') await rm(folder, { recursive: true, force: true });
});

/** A loopback port nobody listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The script and the electron package (its installer, without any binary) in a temporary project. */
async function tempProject(): Promise<string> {
  folder = await mkdtemp(join(tmpdir(), 'claude-bottle-install-'));
  await mkdir(join(folder, 'scripts'));
  await mkdir(join(folder, 'node_modules', 'electron'), { recursive: true });
  await copyFile(join(ROOT, 'scripts', 'install-electron.mjs'), join(folder, 'scripts', 'install-electron.mjs'));
  for (const file of ['package.json', 'install.js', 'checksums.json'])
    await copyFile(join(ROOT, 'node_modules', 'electron', file), join(folder, 'node_modules', 'electron', file));
  // The installer's downloader, read-only from the shared tree.
  await symlink(join(ROOT, 'node_modules', '@electron'), join(folder, 'node_modules', '@electron'));
  return folder;
}

function runScript(cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['scripts/install-electron.mjs'],
      { cwd, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: undefined, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
      },
    );
  });
}

describe('postinstall: the Electron binary', () => {
  it('a failed download ends the step with exit 0 and says what needs the binary and how to retry', async () => {
    const project = await tempProject();
    const before = await readdir(join(ROOT, 'node_modules', 'electron'));
    const result = await runScript(project, {
      ELECTRON_MIRROR: `http://127.0.0.1:${await closedPort()}/`,
      // An empty cache, so no earlier download stands in for this one.
      electron_config_cache: join(project, 'cache'),
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('claude-bottle: could not fetch the Electron binary (exit 1');
    expect(result.stderr).toContain('the command line (node bin/claude-bottle.mjs) and browser mode (serve) do not need it');
    expect(result.stderr).toContain('the desktop app (npm start) does: retry with `npx install-electron`');
    // Nothing was installed, here or in the project's own copy.
    expect(await readdir(join(project, 'node_modules', 'electron'))).not.toContain('dist');
    expect(await readdir(join(ROOT, 'node_modules', 'electron'))).toEqual(before);
  });

  it('ELECTRON_SKIP_BINARY_DOWNLOAD skips it and names the later step', async () => {
    const result = await runScript(await tempProject(), { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('run `npx install-electron` later');
  });
});
