import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkProjectFolder } from '../../src/core/bottles/project-folder';
import { connectDocker } from '../../src/core/engine/docker-client';
import { createCoreDeps, type CoreDeps } from '../../src/core/deps/core-deps';

/*
 * The project-folder rule on its own (no engine needed: the engine's socket is a file under a temp
 * folder here). The real-engine attacks, through the CLI and resume, are in test/docker/hostile-folders.
 */

let base = '';
let ctx: CoreDeps;
const saved = { HOME: process.env.HOME, CLAUDE_BOTTLE_HOME: process.env.CLAUDE_BOTTLE_HOME };

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'claude-bottle-folders-'));
  await mkdir(join(base, 'home', 'me', 'project'), { recursive: true });
  await mkdir(join(base, 'engine'), { recursive: true });
  await writeFile(join(base, 'engine', 'docker.sock'), '');
  process.env.HOME = join(base, 'home', 'me');
  process.env.CLAUDE_BOTTLE_HOME = join(base, 'work', 'root');
  await mkdir(join(base, 'work', 'root', 'state', 'x-abcde'), { recursive: true });
  ctx = createCoreDeps(connectDocker({ DOCKER_HOST: `unix://${join(base, 'engine', 'docker.sock')}` }));
});

afterEach(async () => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await rm(base, { recursive: true, force: true });
});

describe('the project folder rule', () => {
  it('allows an ordinary project and returns its resolved path', async () => {
    await expect(checkProjectFolder(ctx, join(base, 'home', 'me', 'project'))).resolves.toBe(join(base, 'home', 'me', 'project'));
    await symlink(join(base, 'home', 'me', 'project'), join(base, 'link'));
    await expect(checkProjectFolder(ctx, join(base, 'link'))).resolves.toBe(join(base, 'home', 'me', 'project'));
  });

  it.each([
    ['/', /refusing project folder \/: it is the root of the host's filesystem$/],
    ['/etc', /refusing project folder \/etc: it is inside the system folder \/etc$/],
    ['/usr/lib', /system folder \/usr/],
    ['/proc/self', /system folder \/proc/],
    ['/tmp', /the shared folder \/tmp itself/],
  ])('refuses %s', async (path, message) => {
    await expect(checkProjectFolder(ctx, path)).rejects.toThrow(message);
  });

  it('resolves symlinks first: a link to / is /', async () => {
    await symlink('/', join(base, 'innocent'));
    await expect(checkProjectFolder(ctx, join(base, 'innocent'))).rejects.toThrow(
      `refusing project folder ${join(base, 'innocent')} (/): it is the root of the host's filesystem`,
    );
    await symlink('/etc', join(base, 'config'));
    await expect(checkProjectFolder(ctx, join(base, 'config'))).rejects.toThrow(/\(\/etc\): it is inside the system folder \/etc/);
  });

  it("refuses the operator's home itself and what holds it, not what is inside it", async () => {
    await expect(checkProjectFolder(ctx, join(base, 'home', 'me'))).rejects.toThrow(/it is your home folder itself/);
    await expect(checkProjectFolder(ctx, join(base, 'home'))).rejects.toThrow(/it contains your home folder/);
    await symlink(join(base, 'home', 'me'), join(base, 'home-link'));
    await expect(checkProjectFolder(ctx, join(base, 'home-link'))).rejects.toThrow(/home folder itself/);
  });

  it('refuses a folder that holds the state root, or lies inside it', async () => {
    // With the state root in the project, a mount-mode agent could write its own per-bottle Dockerfile.
    await expect(checkProjectFolder(ctx, join(base, 'work'))).rejects.toThrow(
      `it contains the claude-bottle state folder ${join(base, 'work', 'root')}`,
    );
    await expect(checkProjectFolder(ctx, join(base, 'work', 'root'))).rejects.toThrow(/contains the claude-bottle state folder/);
    await expect(checkProjectFolder(ctx, join(base, 'work', 'root', 'state', 'x-abcde'))).rejects.toThrow(
      /inside the claude-bottle state folder/,
    );
  });

  it("refuses a folder that holds the engine's socket", async () => {
    await expect(checkProjectFolder(ctx, join(base, 'engine'))).rejects.toThrow(
      `refusing project folder ${join(base, 'engine')}: it contains the Docker engine's socket ${join(base, 'engine', 'docker.sock')} (root on this host)`,
    );
  });

  it('refuses what is missing, relative or not a folder, in one line', async () => {
    await expect(checkProjectFolder(ctx, join(base, 'missing'))).rejects.toThrow(/^project folder does not exist: /);
    await expect(checkProjectFolder(ctx, 'relative/path')).rejects.toThrow(/must be an absolute path/);
    await expect(checkProjectFolder(ctx, join(base, 'engine', 'docker.sock'))).rejects.toThrow(/is not a folder/);
  });
});
