import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/** Points an environment variable at a fresh temporary folder for every test in the calling file. */
function useTempFolderIn(variable: string, prefix: string): () => string {
  let folder = '';
  const previous = process.env[variable];
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), prefix));
    process.env[variable] = folder;
  });
  afterEach(async () => {
    if (previous === undefined) delete process.env[variable];
    else process.env[variable] = previous;
    // Retried: an in-process core's background writer (a stream's last write, a cache) may add a
    // file while the folder is removed (ENOTEMPTY), as CI saw once.
    await rm(folder, { recursive: true, force: true, maxRetries: 5 });
  });
  return () => folder;
}

/**
 * Points CLAUDE_BOTTLE_HOME at a fresh temporary folder for every test in the calling file,
 * so no test ever touches the operator's real ~/.claude-bottle. Returns a getter for the path.
 */
export function useTempHome(): () => string {
  return useTempFolderIn('CLAUDE_BOTTLE_HOME', 'claude-bottle-test-');
}

/**
 * Points HOME (where the operator's ~/.claude is read) at a fresh temporary folder for every test
 * in the calling file: no test ever reads or writes the operator's real home.
 */
export function useTempHostHome(): () => string {
  return useTempFolderIn('HOME', 'claude-bottle-host-home-');
}
