import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';

/*
 * Hole 1 of issue 10: any folder could be the project. `start probe --cwd /` ran the agent as 0:0
 * with the host's / writable at /workspace (and the Docker socket under /workspace/run); $HOME and
 * the state root were accepted too, and copy mode copied /etc/shadow in. Every one is now refused
 * by the core, whatever front end asks, before anything is written or created.
 */

const env = useBottleTestEnv();
let scratch = '';
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'claude-bottle-hostile-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function stateFolders(): Promise<string[]> {
  return readdir(join(env.home(), 'state')).catch(() => []);
}

/** Runs the CLI and expects a one-line refusal: exit 1, nothing on stdout, no bottle state, no container. */
async function expectRefused(args: string[], message: RegExp | string, extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
  const before = await stateFolders();
  const result = await runCli(args, extraEnv);
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  if (typeof message === 'string') expect(lines[0]).toContain(message);
  else expect(lines[0]).toMatch(message);
  expect(await stateFolders()).toEqual(before);
  expect((await env.listMine()).filter((view) => view.containerId !== null)).toEqual([]);
}

/** A Unix socket that forwards to the real engine: the engine's socket, in a folder we control. */
async function engineSocketIn(dir: string): Promise<{ host: string; close(): Promise<void> }> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'docker.sock');
  const server: Server = createServer((client) => {
    const engine = connect('/var/run/docker.sock');
    client.on('error', () => engine.destroy());
    engine.on('error', () => client.destroy());
    client.pipe(engine).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { host: `unix://${path}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe.skipIf(skipWithoutDocker)('project folders a bottle must never get (CLI, real engine)', () => {
  it('start refuses /, and a symlink to / named like a project', async () => {
    await expectRefused(
      ['start', 'scripted', '--cwd', '/', '--detach'],
      "claude-bottle: refusing project folder /: it is the root of the host's filesystem",
    );
    const innocent = join(scratch, 'my-project');
    await symlink('/', innocent);
    await expectRefused(
      ['start', 'scripted', '--cwd', innocent, '--detach'],
      `refusing project folder ${innocent} (/): it is the root of the host's filesystem`,
    );
    await expectRefused(['start', 'scripted', '--cwd', innocent, '--copy', '--detach'], /\(\/\): it is the root/);
  });

  it("start refuses the operator's home, system trees (copy mode would copy /etc/shadow), and shared roots", async () => {
    const home = join(scratch, 'home', 'operator');
    await mkdir(join(home, 'code'), { recursive: true });
    await expectRefused(
      ['start', 'scripted', '--cwd', home, '--detach'],
      'it is your home folder itself (choose a project folder inside it)',
      { HOME: home },
    );
    await expectRefused(
      ['start', 'scripted', '--cwd', '/etc', '--copy', '--detach'],
      'refusing project folder /etc: it is inside the system folder /etc',
    );
    await expectRefused(['start', 'scripted', '--cwd', '/usr/share', '--detach'], /system folder \/usr/);
    await expectRefused(['start', 'scripted', '--cwd', '/tmp', '--detach'], /the shared folder \/tmp itself/);
  });

  it('start refuses a folder holding the state root (the agent could write its own per-bottle Dockerfile)', async () => {
    const project = join(scratch, 'project');
    const root = join(project, '.claude-bottle');
    await mkdir(join(root, 'state'), { recursive: true });
    await expectRefused(['start', 'scripted', '--cwd', project, '--detach'], `it contains the claude-bottle state folder ${root}`, {
      CLAUDE_BOTTLE_HOME: root,
    });
    await expectRefused(['start', 'scripted', '--cwd', env.home(), '--detach'], `it contains the claude-bottle state folder ${env.home()}`);
    // Inside it: the agent could rewrite the operator's own agents (or another bottle's Dockerfile).
    await expectRefused(
      ['start', 'scripted', '--cwd', join(env.home(), 'agents'), '--detach'],
      `it is inside the claude-bottle state folder ${env.home()}`,
    );
  });

  it("start refuses a folder holding the engine's socket; the same engine serves an ordinary folder", async () => {
    const engine = await engineSocketIn(join(scratch, 'engine'));
    try {
      await expectRefused(
        ['start', 'scripted', '--cwd', join(scratch, 'engine'), '--detach'],
        `it contains the Docker engine's socket ${join(scratch, 'engine', 'docker.sock')} (root on this host)`,
        { DOCKER_HOST: engine.host },
      );
      await expectRefused(['start', 'scripted', '--cwd', scratch, '--detach'], /it contains the Docker engine's socket/, {
        DOCKER_HOST: engine.host,
      });
      const started = await runCli(['start', 'scripted', '--cwd', env.project(), '--detach', '--json'], { DOCKER_HOST: engine.host });
      expect(started.code, started.stderr).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it('resume refuses a state folder written by hand that points at / or /etc, and creates no container', async () => {
    const write = async (identity: string, cwd: string, copy: boolean): Promise<void> => {
      await mkdir(bottlePaths(identity).dir, { recursive: true });
      await writeFile(
        bottlePaths(identity).metadata,
        JSON.stringify({ identity, agent_name: 'scripted', cwd, copy_cwd: copy, started_at: '2026-05-25T12:00:00+00:00' }),
      );
    };
    await write('scripted-root1', '/', false);
    await expectRefused(
      ['resume', 'scripted-root1', '--detach'],
      "claude-bottle: refusing project folder of scripted-root1 /: it is the root of the host's filesystem",
    );
    // Copy mode with no saved workspace would copy the folder in.
    await write('scripted-etc01', '/etc', true);
    await expectRefused(
      ['resume', 'scripted-etc01', '--detach'],
      'refusing project folder of scripted-etc01 /etc: it is inside the system folder /etc',
    );
    const link = join(scratch, 'looks-fine');
    await symlink('/', link);
    await write('scripted-link1', link, false);
    await expectRefused(['resume', 'scripted-link1', '--detach'], `refusing project folder of scripted-link1 ${link} (/)`);
  });
});
