import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAgent } from '../../src/core/agents/agents';
import { saveBottleSnapshots, saveSnapshotsFrom, stopAndSave } from '../../src/core/bottles/bottle-lifecycle';
import { createCore } from '../../src/core/create-core';
import { loadBottle } from '../../src/core/deps/loaded-bottle';
import { copyBeforeStop, discardEarly, keptAfterStop } from '../../src/core/bottles/teardown-snapshot';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import type { LoadedBottle } from '../../src/core/deps/loaded-bottle';
import { EngineClient } from '../../src/core/engine/engine-client';
import { bottleIdentity } from '../../src/core/state/bottle-identity';
import { bottlePaths } from '../../src/core/state/state-paths';
import { TEST_BASE_IMAGE } from '../helpers/busybox-image';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { skipWithoutDocker } from '../helpers/docker-available';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { rawDocker } from '../helpers/raw-docker';
import { TEST_TRANSCRIPT_DIR } from '../helpers/test-agents';
import { entryTree } from '../helpers/entry-tree';

/*
 * A stop on a local overlay2 engine copies the transcript and workspace straight from the paused
 * container's root filesystem before it stops it (teardown-snapshot.ts), instead of the engine's
 * archive after the stop. The snapshot must still be the one the archive of the stopped container
 * gives: the same tree on a workspace an agent shaped to hurt, and whatever the agent writes
 * between the unpause and its end (its SIGTERM handler), even an edit of the same size whose
 * mtime it set back.
 */

const SHAPE = [
  'mkdir -p /workspace/sub/deep /workspace/empty /workspace/locked && cd /workspace',
  'ln -s /etc/passwd abs-link',
  'ln -s ../../../../../../../../tmp rel-link',
  'ln -s ../../.. sub/up',
  'ln /etc/passwd hard-passwd',
  'echo inside > inner.txt && ln inner.txt inner-hard',
  'mkfifo fifo sub/fifo',
  'mknod null-dev c 1 3',
  "printf 'x' > \"$(printf 'new\\nline\\033]0;title\\007\\033[31mred\\342\\200\\256txt')\"",
  'echo secret-ish > sub/deep/private && chmod 600 sub/deep/private',
  'echo run > sub/setuid && chmod 4755 sub/setuid',
  "echo before > edited && touch -d '2001-02-03 04:05:06' edited",
  'echo locked > locked/f && chmod 555 locked',
  'dd if=/dev/urandom of=big.bin bs=1024 count=3072 2>/dev/null',
  `mkdir -p ${TEST_TRANSCRIPT_DIR}/logs && echo turn > ${TEST_TRANSCRIPT_DIR}/logs/1.txt && echo token > ${TEST_TRANSCRIPT_DIR}/login.json`,
  `ln -s /etc ${TEST_TRANSCRIPT_DIR}/etc-link && mkfifo ${TEST_TRANSCRIPT_DIR}/fifo`,
  'touch /tmp/agent-done',
];

/** Sleeps until stopped; with `onTerm`, runs it first (an agent flushing its work as it is stopped). */
function agentScript(onTerm: string | null): string {
  const trap = onTerm === null ? [] : [`trap '${onTerm}; exit 0' TERM`];
  return [...SHAPE, ...trap, 'while true; do sleep 0.2; done'].join('\n');
}

const env = useBottleTestEnv();
const made: Docker.Container[] = [];
afterEach(async () => {
  for (const container of made.splice(0)) await container.remove({ force: true });
});

async function runningAgent(onTerm: string | null, settleMs = 1500): Promise<Docker.Container> {
  const container = await rawDocker().createContainer({
    Image: TEST_BASE_IMAGE,
    Cmd: ['sh', '-c', agentScript(onTerm)],
    Labels: { 'claude-bottle.test': 'teardown-direct-snapshot' },
    HostConfig: { Init: true },
  });
  made.push(container);
  await container.start();
  await eventually(async () => expect((await execIn(container, ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 30_000);
  // Older than the teardown's clock margin, as an agent's files are at most stops: the direct copy is kept.
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return container;
}

async function copyModeBottle(): Promise<LoadedBottle> {
  const identity = bottleIdentity('scripted');
  // With a login file, as a real agent has one: it stays out of the snapshot on both paths.
  const agent = await loadAgent('scripted');
  return {
    identity,
    metadata: { identity, agent_name: 'scripted', cwd: env.project(), copy_cwd: true, started_at: new Date().toISOString() },
    agent: { ...agent, config: { ...agent.config, secretFiles: ['login.json'] } },
  };
}

describe.skipIf(skipWithoutDocker)('teardown: the snapshot copied before the stop is the stopped container’s', () => {
  it('copies both folders directly and keeps the same trees, mtimes and all, as the archive of the stopped container', async (context) => {
    const ctx = createCoreDeps();
    const raw = await runningAgent(null);
    const container = new EngineClient(rawDocker()).getContainer(raw.id);
    const [direct, streamed] = [await copyModeBottle(), await copyModeBottle()];
    const early = await copyBeforeStop(ctx, container, direct);
    if (early === null) return context.skip('the engine is not overlay2 on this host: the teardown uses the archive');
    expect([...early.folders.keys()].sort()).toEqual(['/workspace', TEST_TRANSCRIPT_DIR].sort());
    await raw.stop({ t: 10 });
    expect([...(await keptAfterStop(early)).keys()].sort()).toEqual(['/workspace', TEST_TRANSCRIPT_DIR].sort());
    const budget = early.budget.used;
    await saveSnapshotsFrom(ctx, container, direct, early);
    await saveSnapshotsFrom(ctx, container, streamed);
    const [a, b] = [bottlePaths(direct.identity), bottlePaths(streamed.identity)];
    const workspace = await entryTree(a.workspace);
    expect(workspace).toEqual(await entryTree(b.workspace));
    expect(await entryTree(a.transcript)).toEqual(await entryTree(b.transcript));
    // Counted as the archive counts it: the stream's own save of the same two folders under the same cap.
    expect(budget).toBeGreaterThan(3 * 1024 * 1024);
    expect(workspace['abs-link']).toBe('link /etc/passwd');
    expect(workspace['sub/up']).toBe('link ../../..');
    expect(Object.values(workspace).filter((entry) => entry === 'other')).toEqual([]);
    expect(workspace['sub/setuid']).toMatch(/^file 755 /);
    expect(workspace['edited']).toMatch(/ 981173106000 nlink 1$/);
    expect(Object.keys(await entryTree(a.transcript)).sort()).toEqual(['etc-link', 'logs', 'logs/1.txt']);
  });

  it('keeps the direct copy of a transcript the agent wrote 300 ms before the pause (its layer stamps finer than seconds)', async (context) => {
    const ctx = createCoreDeps();
    const raw = await runningAgent(null, 0);
    await execIn(raw, ['sh', '-c', `echo turn-2 > ${TEST_TRANSCRIPT_DIR}/logs/2.txt`]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const container = new EngineClient(rawDocker()).getContainer(raw.id);
    const early = await copyBeforeStop(ctx, container, await copyModeBottle());
    if (early === null) return context.skip('the engine is not overlay2 on this host: the teardown uses the archive');
    await raw.stop({ t: 10 });
    // Written after the pause it would be dropped (the next test); 300 ms before it, it is not.
    const kept = await keptAfterStop(early);
    expect([...kept.keys()].sort()).toEqual(['/workspace', TEST_TRANSCRIPT_DIR].sort());
    expect(await readFile(join(kept.get(TEST_TRANSCRIPT_DIR)?.temp ?? '', 'logs', '2.txt'), 'utf8')).toBe('turn-2\n');
    await discardEarly(early);
  });

  it('takes what the agent writes once unpaused, to its stop, from the stopped container: new files, and a same-size edit with its mtime set back', async (context) => {
    const ctx = createCoreDeps();
    const onTerm = 'echo late > /workspace/late.txt; echo change > /workspace/edited; touch -d \"2001-02-03 04:05:06\" /workspace/edited';
    const raw = await runningAgent(onTerm);
    const container = new EngineClient(rawDocker()).getContainer(raw.id);
    const bottle = await copyModeBottle();
    const probe = await copyBeforeStop(ctx, container, await copyModeBottle());
    if (probe === null) return context.skip('the engine is not overlay2 on this host: the teardown uses the archive');
    // The probe's copy, made while the agent had not written yet, is what a check that did not look would keep.
    expect(await readFile(join(probe.folders.get('/workspace')?.copy?.temp ?? '', 'edited'), 'utf8')).toBe('before\n');
    await stopAndSave(ctx, container, bottle, true);
    expect((await raw.inspect()).State.Running).toBe(false);
    const paths = bottlePaths(bottle.identity);
    expect(await readFile(join(paths.workspace, 'late.txt'), 'utf8')).toBe('late\n');
    expect(await readFile(join(paths.workspace, 'edited'), 'utf8')).toBe('change\n');
    expect((await lstat(join(paths.workspace, 'edited'))).mtimeMs).toBe(981173106000);
    // The transcript, untouched after the pause, is there as well.
    expect(await readFile(join(paths.transcript, 'logs', '1.txt'), 'utf8')).toBe('turn\n');
    expect(await readdir(paths.dir)).not.toContain(expect.stringMatching(/^\.tmp-/));
  });
});

describe.skipIf(skipWithoutDocker)("an approval's first snapshot, of a container that goes on running", () => {
  it('is copied while the container is paused (the engine says paused, unpaused, nothing else), and leaves the container running', async (context) => {
    const core = createCore();
    try {
      const { identity } = await core.bottles.start({ agent: 'scripted', cwd: env.project(), copy: true });
      const raw = await bottleContainer(identity);
      await execIn(raw, ['sh', '-c', 'mkdir -p /workspace/sub && echo kept > /workspace/sub/kept.txt']);
      const fromNs = BigInt(Date.now()) * 1_000_000n;
      const from = Math.floor(Date.now() / 1000) - 1;
      const bottle = await loadBottle(identity);
      expect(await saveBottleSnapshots(core.deps, bottle)).toBe(true);
      const until = Math.ceil(Date.now() / 1000) + 1;
      // The engine's own account of the container meanwhile: paused and unpaused once, never stopped.
      const events = await rawDocker().getEvents({ since: from, until, filters: { container: [raw.id] } });
      const actions = (
        await new Promise<string>((resolve) => {
          let text = '';
          events.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          events.on('end', () => resolve(text));
        })
      )
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { Action: string; timeNano: number })
        // From the call on (the engine's clock is this host's); an exec's events are this test's own.
        .filter((event) => BigInt(event.timeNano) >= fromNs && !event.Action.startsWith('exec_'))
        .map((event) => event.Action);
      const driver = (await raw.inspect()).GraphDriver.Name;
      if (driver !== 'overlay2') return context.skip(`the engine stores with ${driver}, not overlay2: the snapshot uses the archive`);
      expect(actions).toEqual(['pause', 'unpause']);
      expect((await raw.inspect()).State.Status).toBe('running');
      const paths = bottlePaths(identity);
      expect(await readFile(join(paths.workspace, 'sub', 'kept.txt'), 'utf8')).toBe('kept\n');
      expect(await readdir(paths.dir)).not.toContain(expect.stringMatching(/^\.tmp-/));
    } finally {
      await core.close();
    }
  });
});
