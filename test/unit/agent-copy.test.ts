import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, readlink, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_AGENT_FILES, privateAgentCopy } from '../../src/core/agents/agent-copy';
import { loadAgent } from '../../src/core/agents/agents';
import { hashBuildContext } from '../../src/core/engine/image-build';
import { useTempHome } from '../helpers/temp-home';
import { useTempProject } from '../helpers/temp-project';
import { agentCopiesDir } from '../../src/core/state/state-paths';

const home = useTempHome();
const project = useTempProject();
let agentDir = '';

beforeEach(async () => {
  agentDir = join(project(), '.claude-bottle', 'agents', 'tool');
  await mkdir(join(agentDir, 'scripts'), { recursive: true, mode: 0o755 });
  await writeFile(join(agentDir, 'agent.json'), JSON.stringify({ command: ['sh'], user: 'agent' }));
  await writeFile(join(agentDir, 'Dockerfile'), 'FROM base\nCOPY scripts /opt/scripts\n');
  await writeFile(join(agentDir, 'scripts', 'run.sh'), 'echo run\n', { mode: 0o755 });
});

describe('the private copy of a project agent folder', () => {
  it('has the folder’s own hash (trust and images from before stay valid) and is what the agent is read from', async () => {
    const before = await hashBuildContext(agentDir);
    const copy = await privateAgentCopy(agentDir);
    expect(copy.contextHash).toBe(before);
    expect(copy.dir).toBe(join(agentCopiesDir(), before));
    expect(await hashBuildContext(copy.dir)).toBe(before);
    expect((await stat(join(copy.dir, 'scripts', 'run.sh'))).mode & 0o777).toBe(0o755);
    expect((await stat(agentCopiesDir())).mode & 0o777).toBe(0o700);

    const agent = await loadAgent('project:tool', project());
    expect(agent.dir).toBe(copy.dir);
    expect(await agent.contextHash()).toBe(before);
    // A change to the folder afterwards changes nothing this operation reads.
    await writeFile(join(agentDir, 'agent.json'), JSON.stringify({ command: ['sh'], user: '0' }));
    expect(agent.config.user).toBe('agent');
    expect(await readFile(join(agent.dir, 'agent.json'), 'utf8')).toContain('"agent"');
    expect(await agent.contextHash()).toBe(before);
  });

  it('is content-addressed: the same content is one copy, no staging folder is left behind', async () => {
    const first = await privateAgentCopy(agentDir);
    const second = await privateAgentCopy(agentDir);
    expect(second.dir).toBe(first.dir);
    await writeFile(join(agentDir, 'Dockerfile'), 'FROM other\n');
    const third = await privateAgentCopy(agentDir);
    expect(third.dir).not.toBe(first.dir);
    expect((await readdir(agentCopiesDir())).sort()).toEqual([first.contextHash, third.contextHash].sort());
  });

  it('copies a link as a link, never what it points to; leaves FIFOs out', async () => {
    const secret = join(home(), 'host-secret');
    await writeFile(secret, 'the operator’s key\n');
    await symlink(secret, join(agentDir, 'scripts', 'key'));
    execFileSync('mkfifo', [join(agentDir, 'pipe')]);
    const copy = await privateAgentCopy(agentDir);
    expect((await lstat(join(copy.dir, 'scripts', 'key'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(copy.dir, 'scripts', 'key'))).toBe(secret);
    expect(await readdir(copy.dir)).not.toContain('pipe');
    expect(copy.contextHash).toBe(await hashBuildContext(agentDir));
  });

  it('refuses a folder past its caps in one line, and keeps nothing of it', async () => {
    const many = join(agentDir, 'many');
    await mkdir(many);
    await Promise.all(Array.from({ length: MAX_AGENT_FILES + 1 }, (_, index) => writeFile(join(many, `f${index}`), '')));
    await expect(loadAgent('project:tool', project())).rejects.toThrow(
      `project agent folder ${agentDir} is too large for a build context (more than ${MAX_AGENT_FILES} files or 100 MB)`,
    );
    expect(await readdir(agentCopiesDir())).toEqual([]);
  });

  it('drops copies not used for a day, and keeps the ones in use', async () => {
    const old = await privateAgentCopy(agentDir);
    const dayAgo = new Date(Date.now() - 25 * 60 * 60 * 1000);
    await utimes(old.dir, dayAgo, dayAgo);
    await writeFile(join(agentDir, 'Dockerfile'), 'FROM other\n');
    const fresh = await privateAgentCopy(agentDir);
    expect(await readdir(agentCopiesDir())).toEqual([fresh.contextHash]);
  });
});
