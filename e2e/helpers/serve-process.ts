import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..', '..');

export interface ServeProcess {
  url: string;
  /** The serve process id (the bench reads its RSS). */
  pid: number;
  origin: string;
  output(): string;
  stop(): Promise<void>;
}

/** Runs the real `claude-bottle serve --port 0` against a state folder and waits for its URL. */
export async function startServe(home: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const child: ChildProcess = spawn(process.execPath, [join(REPO, 'bin', 'claude-bottle.mjs'), 'serve', '--port', '0'], {
    cwd: REPO,
    env: { ...process.env, ...env, CLAUDE_BOTTLE_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 20 s:\n${output}`)), 20_000);
    const check = (): void => {
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      resolve(match[0]);
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${String(code)}:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid ?? -1,
    origin: new URL(url).origin,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
