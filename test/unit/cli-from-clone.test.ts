import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// Issue 22 (11): `npx claude-bottle` in a clone whose dependencies are not installed. npm installs
// the clone's folder itself into its npx cache and runs its `prepare` (the CLI build) with the
// output hidden; the build could not run and npx exited 1 with no word. Replayed with the real npx,
// a throwaway npm cache and --offline (nothing leaves the machine).
const ROOT = join(import.meta.dirname, '..', '..');
let folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  folders = [];
});

async function tempFolder(prefix: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
}

/** A fresh clone as far as npx sees it: package.json, the launcher and the build scripts; no node_modules, nothing built. */
async function freshClone(): Promise<string> {
  const clone = await tempFolder('claude-bottle-clone-');
  await mkdir(join(clone, 'bin'));
  await mkdir(join(clone, 'scripts'));
  await copyFile(join(ROOT, 'package.json'), join(clone, 'package.json'));
  await copyFile(join(ROOT, 'bin', 'claude-bottle.mjs'), join(clone, 'bin', 'claude-bottle.mjs'));
  for (const file of await readdir(join(ROOT, 'scripts')))
    if (file.endsWith('.mjs')) await copyFile(join(ROOT, 'scripts', file), join(clone, 'scripts', file));
  return clone;
}

describe('npx claude-bottle in a clone before npm install', () => {
  it('says what to run instead of exiting 1 with no output', async () => {
    const clone = await freshClone();
    const cache = await tempFolder('claude-bottle-npm-cache-');
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'npx',
        ['--offline', 'claude-bottle', '--version'],
        { cwd: clone, env: { ...process.env, npm_config_cache: cache, npm_config_update_notifier: 'false' }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `claude-bottle: the CLI is not built yet (no ${join(clone, 'out', 'cli', 'claude-bottle.cjs')}); run npm install in ${clone}`,
    );
  });

  it('the CLI build, run as npm runs prepare, skips with a line; run by hand it fails', async () => {
    const clone = await freshClone();
    const run = (env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> =>
      new Promise((resolve) => {
        execFile(process.execPath, ['scripts/build-cli.mjs'], { cwd: clone, env: { ...process.env, ...env } }, (error, _stdout, stderr) =>
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stderr }),
        );
      });
    const line = `claude-bottle: the project's dependencies are not installed; run npm install in ${clone} to build the CLI\n`;
    expect(await run({ npm_lifecycle_event: 'prepare' })).toEqual({ code: 0, stderr: line });
    expect(await run({ npm_lifecycle_event: undefined })).toEqual({ code: 1, stderr: line });
  });
});
