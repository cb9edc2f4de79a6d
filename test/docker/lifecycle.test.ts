import { chown, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/create-core';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { readMetadata } from '../../src/core/state/metadata';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from '../helpers/test-agents';
import { service } from '../helpers/test-service';

const env = useBottleTestEnv();

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeFile(join(project, 'README.md'), 'hello project\n');
});

async function transcriptOf(identity: string): Promise<string> {
  const { output } = await execIn(await bottleContainer(identity), ['cat', `${TEST_TRANSCRIPT_DIR}/log.txt`]);
  return output;
}

describe.skipIf(skipWithoutDocker)('bottle lifecycle on a real engine', () => {
  it('copy mode: start, stop, resume keeps identity, transcript and workspace', async () => {
    const ctx = createCoreDeps();
    await mkdir(join(project, 'ignored'));
    await writeFile(join(project, 'ignored', 'secret.txt'), 'x');
    await writeFile(join(project, '.dockerignore'), 'ignored\n');
    const { identity } = await service(ctx).start({ agent: 'scripted', cwd: project, copy: true });
    expect(identity).toMatch(/^scripted-[a-z0-9]{5}$/);
    const first = await readMetadata(identity);
    expect(first).toMatchObject({ identity, agent_name: 'scripted', cwd: project, copy_cwd: true });

    await eventually(async () => expect(await transcriptOf(identity)).toContain('run 1 as 1000 mode=start'));
    const container = await bottleContainer(identity);
    const files = await execIn(container, ['ls', '-a', '/workspace']);
    expect(files.output).toContain('README.md');
    expect(files.output).toContain('agent-output-1.txt');
    expect(files.output).not.toContain('ignored');
    // The non-root agent can write its workspace and its inbox.
    expect((await execIn(container, ['sh', '-c', 'touch /workspace/x /run/claude-bottle/inbox/probe && echo ok'])).output).toContain('ok');
    // In copy mode nothing reaches the host folder.
    expect(await readdir(project)).not.toContain('agent-output-1.txt');

    await service(ctx).stop(identity);
    expect(await readFile(join(bottlePaths(identity).transcript, 'log.txt'), 'utf8')).toContain('run 1');
    expect(await readdir(bottlePaths(identity).workspace)).toContain('agent-output-1.txt');

    await new Promise((resolve) => setTimeout(resolve, 5));
    await service(ctx).resume(identity);
    const resumed = await readMetadata(identity);
    expect(resumed).toEqual({ ...first, started_at: resumed?.started_at });
    expect(resumed?.started_at).not.toBe(first?.started_at);
    await eventually(async () => {
      const transcript = await transcriptOf(identity);
      expect(transcript).toContain('run 1 as 1000 mode=start');
      expect(transcript).toContain('run 2 as 1000 mode=resume');
    });
    const after = await execIn(await bottleContainer(identity), ['ls', '/workspace']);
    expect(after.output).toContain('agent-output-1.txt');
    expect(after.output).toContain('agent-output-2.txt');
  });

  it('a stopped bottle is "stopped", not rebuilt, and a resume keeps its place in the newest-first list', async () => {
    const ctx = createCoreDeps();
    const bottles = service(ctx);
    const older = (await bottles.start({ agent: 'scripted', cwd: project, copy: false })).identity;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const newer = (await bottles.start({ agent: 'scripted', cwd: project, copy: false })).identity;
    const mine = async (): Promise<string[]> =>
      (await bottles.list()).map((view) => view.identity).filter((identity) => identity === older || identity === newer);
    expect(await mine()).toEqual([newer, older]);

    await bottles.stop(older);
    const stopped = (await bottles.list()).find((view) => view.identity === older);
    expect(stopped).toMatchObject({ status: 'ready-to-resume', readyReason: 'stopped' });

    await new Promise((resolve) => setTimeout(resolve, 5));
    await bottles.resume(older);
    // Resumed last, but created first: it stays below the newer bottle.
    expect(await mine()).toEqual([newer, older]);
    const resumed = (await bottles.list()).find((view) => view.identity === older);
    expect(resumed?.createdAt).not.toBe(resumed?.startedAt);
  });

  it('refuses to resume from a project agent the bottle rewrote, until it is what the operator trusted', async () => {
    const ctx = createCoreDeps();
    const core = createCore({ deps: ctx });
    const agentDir = await writeTestAgent({ name: 'local', agentsDir: join(project, '.claude-bottle', 'agents') });
    const review = await core.agents.review('project:local', project);
    await core.agents.trust('project:local', project, review.contextHash);
    const { identity } = await core.bottles.start({ agent: 'project:local', cwd: project, copy: false });
    expect(identity).toMatch(/^project-local-[a-z0-9]{5}$/);
    expect((await readMetadata(identity))?.agent_name).toBe('project:local');
    await core.bottles.stop(identity);
    // What an agent could do through its writable /workspace: change its own build.
    const original = await readFile(join(agentDir, 'Dockerfile'), 'utf8');
    await writeFile(join(agentDir, 'Dockerfile'), 'FROM claude-bottle-test-base:latest\nRUN echo unapproved > /opt/x\n');
    await expect(core.bottles.resume(identity)).rejects.toThrow(
      /project agent project:local at .* changed since you trusted it; review it and run: claude-bottle trust project:local --cwd /,
    );
    await expect(bottleContainer(identity)).rejects.toThrow(/no container/);
    expect((await core.agents.list(project)).find((agent) => agent.name === 'project:local')?.trust).toBe('changed');
    // Trusting needs the review of what is there now: the earlier review no longer matches.
    await expect(core.agents.trust('project:local', project, review.contextHash)).rejects.toThrow(/changed while you reviewed it/);
    // Put back as the operator trusted it: it runs again without asking.
    await writeFile(join(agentDir, 'Dockerfile'), original);
    await core.bottles.resume(identity);
    await eventually(async () => expect(await transcriptOf(identity)).toContain('mode=resume'));
  });

  it('mount mode: the agent writes the project folder as its owner, whatever uid that is', async () => {
    const ctx = createCoreDeps();
    await chown(project, 1234, 1234);
    const { identity } = await service(ctx).start({ agent: 'scripted', cwd: project, copy: false });
    await eventually(async () => expect(await readdir(project)).toContain('agent-output-1.txt'));
    expect((await stat(join(project, 'agent-output-1.txt'))).uid).toBe(1234);
    // What the engine actually runs is hardened, labelled, interactive and never auto-removed.
    const inspected = await (await bottleContainer(identity)).inspect();
    expect(inspected.Name).toBe(`/claude-bottle-${identity}`);
    expect(inspected.Config.Labels).toMatchObject({
      'claude-bottle.identity': identity,
      'claude-bottle.agent': 'scripted',
      'claude-bottle.managed': 'true',
    });
    expect(inspected.HostConfig).toMatchObject({
      Privileged: false,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      AutoRemove: false,
    });
    expect(inspected.HostConfig.PidsLimit).toBeGreaterThan(0);
    // Every bottle has a CPU limit (all but one of the engine's CPUs, at least one) and rotated logs.
    const engineCpus = (await ctx.docker.info()).NCPU as number;
    expect(inspected.HostConfig.NanoCpus).toBe(Math.max(1, engineCpus - 1) * 1e9);
    expect(inspected.HostConfig.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
    expect(inspected.Config).toMatchObject({ Tty: true, OpenStdin: true });
    expect(inspected.Mounts.map((m) => m.Destination).sort()).toEqual([
      '/opt/claude-bottle',
      '/run/claude-bottle/Dockerfile',
      '/run/claude-bottle/inbox',
      '/workspace',
      '/workspace/.git',
    ]);
    // Not a repository: an empty .git, read-only, the folder owner's, so the agent cannot make one.
    expect(inspected.Mounts.find((m) => m.Destination === '/workspace/.git')?.RW).toBe(false);
    expect((await stat(join(project, '.git'))).uid).toBe(1234);
    expect(inspected.Mounts.find((m) => m.Destination === '/opt/claude-bottle')?.RW).toBe(false);
    expect(inspected.Config.Env).toContain(`CLAUDE_BOTTLE_IDENTITY=${identity}`);
    expect(await transcriptOf(identity)).toContain('as 1234 mode=start home=/home/agent');

    await service(ctx).stop(identity);
    await service(ctx).resume(identity);
    await eventually(async () => expect(await transcriptOf(identity)).toContain('run 2 as 1234 mode=resume'));
    expect(await readdir(project)).toContain('agent-output-2.txt');
  });
});
