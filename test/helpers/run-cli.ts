import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BottleView } from '../../src/shared/bottle-view';

export const CLI_BIN = join(import.meta.dirname, '..', '..', 'bin', 'claude-bottle.mjs');

export interface CliResult {
  /** The exit code; 1 when the process was killed (see `signal`). */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `claude-bottle` bin (the bundle built by the test global setup); `input` is piped to its stdin. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000, input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI_BIN, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        const signal = error?.signal ?? null;
        // Said in stderr, which tests print when a code is not the one expected: a hang is not an error exit.
        const killed =
          signal === null ? '' : `[run-cli: killed by ${signal}${error?.killed === true ? `, still running after ${timeoutMs} ms` : ''}]\n`;
        resolve({ code, signal, stdout, stderr: stderr + killed });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** `claude-bottle ls --json`, keeping only the bottles under `home`: others may share the engine. */
export async function listOwnBottles(home: string): Promise<BottleView[]> {
  const mine = new Set(await readdir(join(home, 'state')).catch(() => [] as string[]));
  const views = JSON.parse((await runCli(['ls', '--json'])).stdout) as BottleView[];
  return views.filter((view) => mine.has(view.identity));
}
