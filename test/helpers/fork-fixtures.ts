import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { tempDir, treeContents } from './changes-fixtures';
import { bottleContainer, copyFolderOut, eventually, execIn } from './docker-exec';
import { runCli } from './run-cli';

const run = promisify(execFile);

/** Runs the CLI, which must succeed, and parses what it printed (`--json`). */
export async function cliJson<T>(args: string[]): Promise<T> {
  const result = await runCli(args);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** Until the fork tests' stand-in agent has done its first run's work (it touches /tmp/agent-done). */
export async function waitForAgent(identity: string, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-done'])).exitCode).toBe(0),
    timeoutMs,
  );
}

/** A running bottle's /workspace, copied out: path → content. */
export async function workspaceOf(identity: string): Promise<Record<string, string>> {
  const dest = join(await tempDir('fork-ws-'), 'workspace');
  expect(await copyFolderOut(await bottleContainer(identity), '/workspace', dest)).toBe(true);
  return treeContents(dest);
}

/** Every bottle folder and every container of the state root `home`: what "nothing made" is checked against. */
export async function everythingIn(home: string): Promise<{ folders: string[]; containers: string[] }> {
  const folders = (await readdir(join(home, 'state')).catch(() => [] as string[])).sort();
  const { stdout } = await run('docker', ['ps', '-a', '--format', '{{.Names}}']);
  const containers = stdout
    .split('\n')
    .filter((name) => folders.some((folder) => name.includes(folder)))
    .sort();
  return { folders, containers };
}
