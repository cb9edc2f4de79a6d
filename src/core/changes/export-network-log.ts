import { open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BottleError, errorMessage } from '../base/bottle-error';
import { ifExists } from '../fs/if-exists';
import { runGit } from './git-cli';

/*
 * The bottle's connection log goes with its exported work (issue 19), as JSON Lines: beside a
 * patch as `<patch>.network.jsonl`, and on a branch as a git note on its tip commit in a notes
 * ref of our own (so the branch's files and history stay the agent's work only). Never over a
 * file that exists; a note of ours already on that commit (the same work exported before) is
 * replaced by this newer log of the same bottle.
 */

/** Where a branch's log is: `git notes --ref=claude-bottle-network show <branch>`. */
export const NETWORK_LOG_NOTES_REF = 'refs/notes/claude-bottle-network';

export function networkLogBesidePatch(patchFile: string): string {
  return `${patchFile}.network.jsonl`;
}

/** Before anything is written: a patch's log file must not exist (one-line error, nothing written). */
export async function checkNetworkLogTarget(patchFile: string | undefined, jsonLines: string): Promise<void> {
  if (patchFile === undefined || jsonLines === '') return;
  const path = networkLogBesidePatch(patchFile);
  if ((await ifExists(stat(path))) !== null) throw new BottleError('conflict', `${path} already exists; choose another patch file name`);
}

/** Writes the log beside the patch, creating the file (never through an existing one); returns its path. */
export async function writeNetworkLogBesidePatch(patchFile: string, jsonLines: string): Promise<string> {
  const path = networkLogBesidePatch(patchFile);
  const handle = await open(path, 'wx', 0o644);
  try {
    await handle.writeFile(jsonLines);
  } finally {
    await handle.close();
  }
  return path;
}

/**
 * Attaches the log to the branch's tip as a note; the branch exists by now, so a failure here is
 * a note on the result (the branch stays), not a failed export.
 */
export async function attachNetworkLogNote(cwd: string, tip: string, jsonLines: string, temp: string): Promise<string | null> {
  const file = join(temp, 'network-log.jsonl');
  try {
    await writeFile(file, jsonLines, { mode: 0o600 });
    await runGit(['notes', `--ref=${NETWORK_LOG_NOTES_REF}`, 'add', '--force', '--file', file, tip], { cwd });
    return null;
  } catch (error: unknown) {
    return `the connection log was not attached to the branch: ${errorMessage(error)}`;
  }
}
