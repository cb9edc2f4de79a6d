import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { TEST_BASE_IMAGE } from './busybox-image';
import { rawDocker } from './raw-docker';

/*
 * The in-bottle tools (resources/bottle) run as in a bottle: a throwaway container as uid 1000, the
 * tool folder mounted read-only at /opt/claude-bottle and an inbox folder of the test's mounted at
 * /run/claude-bottle/inbox, no capabilities. The test plays the host: it reads the inbox and
 * writes answers into it while the command runs.
 */

const TOOL_DIR = join(import.meta.dirname, '..', '..', 'resources', 'bottle');

export interface ToolRun {
  /** The container's exit code and its output (one stream: a TTY). */
  done: Promise<{ exitCode: number; output: string }>;
  /** Sends a signal to the command (its container's first process). */
  signal: (name: string) => Promise<void>;
}

/** A fresh inbox folder per test, writable by the bottle's uid as the launch hands it over; removed after. */
export function useInbox(): () => string {
  let inbox = '';
  beforeEach(async () => {
    inbox = await mkdtemp(join(tmpdir(), 'claude-bottle-inbox-'));
    await chmod(inbox, 0o777);
  });
  afterEach(async () => {
    await rm(inbox, { recursive: true, force: true });
  });
  return () => inbox;
}

/** Starts `cmd` in a bottle-like container of `image`; `done` settles when it exits (the container then removed). */
export async function startInBottle(inbox: string, cmd: string[], image = TEST_BASE_IMAGE): Promise<ToolRun> {
  const docker = rawDocker();
  const container = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    User: '1000:1000',
    Env: ['PATH=/bin:/usr/bin:/opt/claude-bottle/bin'],
    Tty: true,
    HostConfig: {
      Binds: [`${TOOL_DIR}:/opt/claude-bottle:ro`, `${inbox}:/run/claude-bottle/inbox:rw`],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
    },
  });
  await container.start();
  const done = (async (): Promise<{ exitCode: number; output: string }> => {
    try {
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      const logs: unknown = await container.logs({ stdout: true, stderr: true });
      // docker-modem hands back a body that parses as JSON (a printed answer) parsed: written out again.
      const text = Buffer.isBuffer(logs) ? logs.toString('utf8') : typeof logs === 'string' ? logs : JSON.stringify(logs);
      return { exitCode: StatusCode, output: text.replace(/\r\n/g, '\n') };
    } finally {
      await container.remove({ force: true });
    }
  })();
  return { done, signal: async (name) => void (await container.kill({ signal: name })) };
}

/** Runs `cmd` to its end in a bottle-like container. */
export async function runInBottle(inbox: string, cmd: string[], image = TEST_BASE_IMAGE): Promise<{ exitCode: number; output: string }> {
  return (await startInBottle(inbox, cmd, image)).done;
}

/** The inbox's names, hidden ones included, sorted. */
export async function inboxNames(inbox: string): Promise<string[]> {
  return (await readdir(inbox)).sort();
}
