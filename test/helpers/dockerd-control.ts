import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { connectDocker, engineInfo } from '../../src/core/engine/docker-client';

/** The default engine's dockerd, by its own pidfile: a second test engine runs beside it. */
const PIDFILE = '/var/run/docker.pid';

function dockerdPid(): number | null {
  try {
    const pid = Number(readFileSync(PIDFILE, 'utf8').trim());
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

function dockerdRunning(): boolean {
  return dockerdPid() !== null;
}

/** Why the engine cannot be restarted from a test here, or null when it can (root, local dockerd). */
export function cannotRestartDockerdReason(): string | null {
  if (process.getuid?.() !== 0) return 'restarting dockerd needs root';
  if (process.env.DOCKER_HOST !== undefined && process.env.DOCKER_HOST !== '') return 'DOCKER_HOST points at a remote engine';
  if (!dockerdRunning()) return 'no local dockerd process to restart (engine managed elsewhere)';
  return null;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const engineAnswers = async (): Promise<boolean> =>
  engineInfo(connectDocker()).then(
    () => true,
    () => false,
  );

/** Stops the local dockerd (SIGTERM) and waits until the engine no longer answers. */
export async function stopDockerd(): Promise<void> {
  const pid = dockerdPid();
  if (pid !== null) process.kill(pid, 'SIGTERM');
  await waitFor(async () => !dockerdRunning() && !(await engineAnswers()), 60_000, 'dockerd to stop');
}

/** Starts dockerd in the background, as .ci/run does, and waits until it answers. */
export async function startDockerd(): Promise<void> {
  if (!dockerdRunning()) {
    const log = openSync('/tmp/claude-bottle-test-dockerd.log', 'a');
    spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] }).unref();
  }
  await waitFor(engineAnswers, 90_000, 'dockerd to answer');
}
