import { execFile } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'claude-bottle.mjs');

/** Runs the real `claude-bottle` against a state folder; rejects with its one-line error. */
export function claudeBottle(home: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, CLAUDE_BOTTLE_HOME: home }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`claude-bottle ${args.join(' ')}: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** Starts a bottle from the command line (as another operator or a script would) and returns its identity. */
export async function startDetached(home: string, agent: string, cwd: string, copy = false): Promise<string> {
  const out = await claudeBottle(home, ['start', agent, '--cwd', cwd, '--detach', '--json', ...(copy ? ['--copy'] : [])]);
  return (JSON.parse(out) as { identity: string }).identity;
}
