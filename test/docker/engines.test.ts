import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/shared/app-events';
import type { BottleView } from '../../src/shared/bottle-view';
import { createCore, type Core } from '../../src/core/create-core';
import { findBottleContainer } from '../../src/core/engine/bottle-containers';
import { connectDocker } from '../../src/core/engine/docker-client';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { SSH_CONTEXT, TCP_CONTEXT, useEngineContexts } from '../helpers/engine-contexts';
import { REBUILD_TRANSCRIPT, writeRebuildAgent } from '../helpers/rebuild-agent';
import { runCli } from '../helpers/run-cli';
import {
  cannotRunSecondEngineReason,
  secondEngineClient,
  secondEngineDocker,
  startSecondEngine,
  stopSecondEngine,
} from '../helpers/second-engine';
import { TEST_TRANSCRIPT_DIR } from '../helpers/test-agents';

const cannot = cannotRunSecondEngineReason();
const skip = skipWithoutDocker || (cannot !== null && process.env.CI !== 'true');

const env = useBottleTestEnv();
const contexts = useEngineContexts();

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeFile(join(project, 'README.md'), 'hello from the host\n');
});

async function onSecond(identity: string): Promise<Docker.Container> {
  const info = await findBottleContainer(secondEngineClient(), identity);
  if (info === null) throw new Error(`no container for ${identity} on the second engine`);
  return secondEngineDocker().getContainer(info.Id);
}

async function transcriptOnSecond(identity: string): Promise<string> {
  return (await execIn(await onSecond(identity), ['cat', REBUILD_TRANSCRIPT])).output;
}

/** A rebuild agent bottle on a context, in copy mode, with its capability-block request pending. */
async function startRemoteWithRequest(core: Core, context: string, run?: string): Promise<{ identity: string; requestId: string }> {
  await writeRebuildAgent('rebuilder', run);
  const { identity } = await core.bottles.start({ agent: 'rebuilder', cwd: project, copy: true, context });
  const requestId = await eventually(async () => {
    const view = await core.bottles.view(identity);
    if (view?.pendingRequest == null) throw new Error('no pending request yet');
    return view.pendingRequest.id;
  }, 30_000);
  return { identity, requestId };
}

describe.skipIf(skip)(`bottles on more than one engine${cannot === null ? '' : ` (skipped: ${cannot})`}`, () => {
  it('a copy-mode bottle on a tcp+TLS context lives on that engine only; one ls lists both engines; mount mode there is refused', async () => {
    const local = JSON.parse((await runCli(['start', 'scripted', '--cwd', project, '--detach', '--json'])).stdout) as BottleView;
    const started = await runCli(['start', 'scripted', '--cwd', project, '--copy', '--context', TCP_CONTEXT, '--detach', '--json']);
    expect(started.code).toBe(0);
    const remote = JSON.parse(started.stdout) as BottleView;
    expect(remote).toMatchObject({ engine: TCP_CONTEXT, status: 'running', copyCwd: true });
    expect(JSON.parse(await readFile(join(bottlePaths(remote.identity).dir, 'engine.json'), 'utf8'))).toMatchObject({
      context: TCP_CONTEXT,
    });
    expect(Object.keys(JSON.parse(await readFile(bottlePaths(remote.identity).metadata, 'utf8'))).sort()).toEqual([
      'agent_name',
      'copy_cwd',
      'cwd',
      'identity',
      'started_at',
    ]);

    // Its container is on the second engine, not the first; nothing of this machine is mounted.
    expect(await findBottleContainer(connectDocker().docker, remote.identity)).toBeNull();
    const container = await onSecond(remote.identity);
    expect((await container.inspect()).HostConfig.Mounts ?? []).toEqual([]);
    expect((await execIn(container, ['cat', '/workspace/README.md'])).output).toBe('hello from the host\n');
    expect(
      (
        await execIn(
          container,
          [
            'sh',
            '-c',
            'test -x /opt/claude-bottle/bin/capability-block && test ! -w /opt/claude-bottle/bin/capability-block && head -n 2 /run/claude-bottle/Dockerfile',
          ],
          'agent',
        )
      ).output,
    ).toContain('FROM claude-bottle-test-base');

    const listed = JSON.parse((await runCli(['ls', '--json'])).stdout) as BottleView[];
    expect(listed.find((view) => view.identity === local.identity)).toMatchObject({ engine: 'default', status: 'running' });
    expect(listed.find((view) => view.identity === remote.identity)).toMatchObject({ engine: TCP_CONTEXT, status: 'running' });
    expect((await runCli(['ls'])).stdout).toMatch(new RegExp(`${remote.identity}\\s+-\\s+scripted\\s+running\\s+${TCP_CONTEXT}\\s+copy`));

    const refused = await runCli(['start', 'scripted', '--cwd', project, '--context', TCP_CONTEXT, '--detach']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^claude-bottle: mount mode needs the project folder on the engine's own machine, and engine "second" is reached over tcp: start it with --copy/,
    );
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);

    // Stop and resume work over the API alone: the workspace comes back from the snapshot.
    await execIn(container, ['sh', '-c', 'echo "by the agent" > /workspace/agent-notes.txt']);
    expect((await runCli(['stop', remote.identity])).code).toBe(0);
    expect(await readFile(join(bottlePaths(remote.identity).workspace, 'agent-notes.txt'), 'utf8')).toBe('by the agent\n');
    expect((await runCli(['resume', remote.identity, '--detach'])).code).toBe(0);
    expect((await execIn(await onSecond(remote.identity), ['cat', '/workspace/agent-notes.txt'])).output).toBe('by the agent\n');
  });

  it('capability-block → approve & resume on the remote engine: the request travels over the API, the transcript is kept', async () => {
    const core = createCore();
    const { identity, requestId } = await startRemoteWithRequest(core, TCP_CONTEXT);
    // The request came home through the archive endpoint; the agent waits for its answer in there.
    expect(existsSync(join(bottlePaths(identity).inbox, `${requestId}.json`))).toBe(true);
    const shown = await runCli(['show', identity]);
    expect(shown.stdout).toMatch(/engine:\s+second \(tcp:\/\/127\.0\.0\.1:23760, remote: copy mode only\)/);
    expect(shown.stdout).toContain('+RUN echo built > /opt/marker');

    const result = await core.bottles.approve(identity, { requestId, resume: true });
    expect(result.resumed).toBe(true);
    await eventually(async () => {
      const transcript = await transcriptOnSecond(identity);
      for (const line of ['run 1 mode=start line A', `run 1 asked ${requestId}`, 'run 2 mode=resume line A', 'run 2 marker: built']) {
        expect(transcript).toContain(line);
      }
    }, 30_000);
    // The answer went into the bottle's inbox over the API, and stays there across the rebuild.
    const answer = (await execIn(await onSecond(identity), ['cat', `/run/claude-bottle/inbox/${requestId}.response.json`])).output;
    expect(JSON.parse(answer)).toMatchObject({ id: requestId, status: 'approved' });
    expect(await findBottleContainer(connectDocker().docker, identity)).toBeNull();
    await core.close();
  });

  it('stopping the second engine marks only its bottles offline; the first keeps working; the second comes back by itself', async () => {
    const core = createCore({ live: true });
    const events: AppEvent[] = [];
    core.subscribe((event) => events.push(event));
    const latest = (identity: string): BottleView | undefined =>
      events
        .filter(
          (event): event is Extract<AppEvent, { type: 'bottle-changed' }> =>
            event.type === 'bottle-changed' && event.bottle.identity === identity,
        )
        .at(-1)?.bottle;
    try {
      const local = await core.bottles.start({ agent: 'scripted', cwd: project, copy: false });
      const remote = await core.bottles.start({ agent: 'scripted', cwd: project, copy: true, context: TCP_CONTEXT });
      await eventually(async () => {
        expect(latest(remote.identity)?.status).toBe('running');
        expect(latest(local.identity)?.status).toBe('running');
      }, 20_000);

      const stoppedAt = Date.now();
      await stopSecondEngine();
      await eventually(async () => expect(latest(remote.identity)?.status).toBe('engine-offline'), 20_000);
      process.stdout.write(
        `[engines] second dockerd stopped → its bottle shown offline after ${Date.now() - stoppedAt} ms (includes the stop itself)\n`,
      );
      expect(
        events.some((event) => event.type === 'engine-status' && event.status.name === TCP_CONTEXT && event.status.state === 'unavailable'),
      ).toBe(true);
      expect(latest(local.identity)?.status).toBe('running');
      // The first engine's bottles keep working meanwhile, and a listing does not wait for the lost one.
      await core.bottles.stop(local.identity);
      const listed = await core.bottles.list();
      expect(listed.find((view) => view.identity === local.identity)?.status).toBe('ready-to-resume');
      expect(listed.find((view) => view.identity === remote.identity)?.status).toBe('engine-offline');
      await core.bottles.resume(local.identity);

      await startSecondEngine();
      // dockerd stopped the container on its way down: back, the bottle shows exited and resumes.
      await eventually(async () => expect(latest(remote.identity)?.status).toBe('exited'), 30_000);
      await core.bottles.resume(remote.identity);
      await eventually(async () => expect(latest(remote.identity)?.status).toBe('running'), 20_000);
    } finally {
      await startSecondEngine();
      await core.close();
    }
  });

  it('the same start, capability-block and approve over an ssh:// context', async () => {
    const core = createCore();
    const { identity, requestId } = await startRemoteWithRequest(core, SSH_CONTEXT);
    expect((await core.bottles.view(identity))?.engine).toBe(SSH_CONTEXT);
    await core.bottles.approve(identity, { requestId, resume: true });
    await eventually(async () => expect(await transcriptOnSecond(identity)).toContain('run 2 marker: built'), 30_000);
    await core.close();
  });

  it('bad input and faults: one-line errors, nothing written, nothing lost', async () => {
    const before = await readdir(join(env.home(), 'state')).catch(() => [] as string[]);
    const oneLine = async (args: string[], message: RegExp): Promise<void> => {
      const result = await runCli(args);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    };
    await oneLine(
      ['start', 'scripted', '--cwd', project, '--copy', '--context', 'nowhere'],
      /unknown Docker context "nowhere" \(known: default, second, second-ssh/,
    );
    await oneLine(['start', 'scripted', '--cwd', project, '--copy', '--context', '../x'], /invalid Docker context name/);
    const { execFileSync } = await import('node:child_process');
    execFileSync(
      'docker',
      ['--config', contexts.dockerConfig(), 'context', 'create', 'unreachable', '--docker', 'host=tcp://127.0.0.1:1'],
      { stdio: 'ignore' },
    );
    await oneLine(
      ['start', 'scripted', '--cwd', project, '--copy', '--context', 'unreachable'],
      /Docker engine not reachable at tcp:\/\/127\.0\.0\.1:1/,
    );
    // An ssh key the host does not know.
    const { mkdtemp, mkdir: makeDir, copyFile } = await import('node:fs/promises');
    const strangerHome = await mkdtemp(join(env.home(), 'stranger-'));
    await makeDir(join(strangerHome, '.ssh'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(strangerHome, '.ssh', 'id_ed25519')]);
    await copyFile(join(contexts.home(), '.ssh', 'known_hosts'), join(strangerHome, '.ssh', 'known_hosts'));
    const refused = await runCli(['start', 'scripted', '--cwd', project, '--copy', '--context', SSH_CONTEXT], {
      HOME: strangerHome,
      SSH_AUTH_SOCK: '',
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/ssh root@127\.0\.0\.1:23722 refused every key tried \(.*stranger-.*id_ed25519\)/);
    expect(await readdir(join(env.home(), 'state')).catch(() => [] as string[])).toEqual(before);
  });

  it('the engine dies mid-approve: a one-line error, the bottle and its request intact; approving once it is back works', async () => {
    const core = createCore();
    try {
      // A build step new to the engine. The second engine and its build cache outlive a run, and
      // this test's own approve at the end builds the step, so a fixed step came from the cache on
      // every later run: the build was done at once and the engine died after the commit, not
      // during the build. The sleep outlasts the engine's shutdown (the build fails within seconds
      // of the SIGTERM, when containerd goes).
      const { identity, requestId } = await startRemoteWithRequest(
        core,
        TCP_CONTEXT,
        `echo ${randomBytes(8).toString('hex')} > /opt/build-id; sleep 25; echo built > /opt/marker`,
      );
      await execIn(await onSecond(identity), ['sh', '-c', `echo "precious line" >> ${TEST_TRANSCRIPT_DIR}/log.txt`]);
      let killed: Promise<void> | null = null;
      core.deps.activity.subscribe((id, activity) => {
        if (id !== identity || killed !== null || !(activity?.logTail.some((line) => line.includes('sleep 25')) ?? false)) return;
        killed = stopSecondEngine();
      });
      const failure = await core.bottles.approve(identity, { requestId, resume: true }).then(
        () => null,
        (error: unknown) => error as Error,
      );
      expect(killed).not.toBeNull();
      await killed;
      expect(failure?.message.split('\n')).toHaveLength(1);
      expect(failure?.message).toMatch(/not reachable|build failed|socket hang up|ECONNRESET|ECONNREFUSED/);
      expect(existsSync(join(bottlePaths(identity).dir, 'rebuild', 'approval.json'))).toBe(false);
      expect(existsSync(join(bottlePaths(identity).dir, 'Dockerfile'))).toBe(false);
      expect((await core.bottles.list()).find((view) => view.identity === identity)).toMatchObject({
        status: 'engine-offline',
        pendingRequest: { id: requestId },
      });

      await startSecondEngine();
      await core.bottles.approve(identity, { requestId, resume: true });
      await eventually(async () => {
        const transcript = await transcriptOnSecond(identity);
        expect(transcript).toContain('precious line');
        expect(transcript).toContain('run 2 marker: built');
      }, 30_000);
    } finally {
      await startSecondEngine();
      await core.close();
    }
  }, 240_000);
});
