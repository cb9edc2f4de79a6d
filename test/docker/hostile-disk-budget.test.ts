import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core/create-core';
import { findBottleContainer } from '../../src/core/engine/bottle-containers';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { bottlePaths, settingsPath } from '../../src/core/state/state-paths';
import type { BottleDetail, BottleView } from '../../src/shared/bottle-view';
import type { BottleService } from '../../src/core/services/bottle-service';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { skipWithoutDocker } from '../helpers/docker-available';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { runCli } from '../helpers/run-cli';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from '../helpers/test-agents';
import { service } from '../helpers/test-service';
import { writeTestSettings } from '../helpers/test-settings';

/*
 * Hole 5 of issue 17: the inbox is bind-mounted read-write from state/<id>/inbox, so whatever the
 * agent writes there lands on the host's disk, with no limit. Now every write there is measured
 * against a budget (maxHostWriteBytes / maxHostWriteEntries in settings.json), and past it the
 * bottle is killed and retired like any stop, with its reason on the bottle.
 */

const env = useBottleTestEnv();
const INBOX = '/run/claude-bottle/inbox';
const MiB = 1024 ** 2;

let core: Core | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
});

/** Writes the transcript and a workspace file like the scripted agent, then runs `then` once (a marker in /workspace says it ran). */
function floodingAgent(then: string): string {
  return [
    'set -e',
    `t=${TEST_TRANSCRIPT_DIR}/log.txt`,
    'mkdir -p "$(dirname "$t")"',
    'n=$(cat "$t" 2>/dev/null | wc -l)',
    'echo "run $((n + 1)) mode=$1" >> "$t"',
    'echo "written by run $((n + 1))" > /workspace/agent-output-$((n + 1)).txt',
    // The first resume misbehaves, once: the marker is part of the workspace it keeps.
    `if [ "$1" = resume ] && [ ! -e /workspace/flooded ]; then touch /workspace/flooded; ${then}; fi`,
    'exec sleep 3600',
  ].join('\n');
}

/** 100 files of 1 MiB, as fast as the disk takes them, then a marker that it got to the end. */
const FLOOD_100_MB = `i=0; while [ $i -lt 100 ]; do dd if=/dev/zero of=${INBOX}/junk-$i bs=1M count=1 2>/dev/null; i=$((i + 1)); done; echo all > ${INBOX}/flood-finished`;

/** Everything under a folder, at apparent size (what du --apparent-size counts), and how many entries. */
async function folderSize(dir: string): Promise<{ bytes: number; entries: number }> {
  let bytes = 0;
  let entries = 0;
  for (const name of await readdir(dir, { recursive: true })) {
    bytes += (await lstat(join(dir, name))).size;
    entries += 1;
  }
  return { bytes, entries };
}

/** The agent's first run has written its transcript line. */
async function ranOnce(identity: string): Promise<void> {
  await eventually(async () =>
    expect((await execIn(await bottleContainer(identity), ['cat', `${TEST_TRANSCRIPT_DIR}/log.txt`])).output).toContain('run 1'),
  );
}

/** The view once the guard has stopped the bottle (retired: ready to resume), polled closely. */
async function stoppedView(bottles: BottleService, identity: string): Promise<BottleView | null> {
  return eventually(
    async () => {
      const view = await bottles.view(identity);
      expect(view?.status).toBe('ready-to-resume');
      return view;
    },
    30_000,
    50,
  );
}

async function showJson(identity: string): Promise<BottleDetail> {
  const shown = await runCli(['show', identity, '--json']);
  expect(shown.stderr).toBe('');
  return JSON.parse(shown.stdout) as BottleDetail;
}

describe.skipIf(skipWithoutDocker)('a bottle trying to fill the host disk through its inbox', () => {
  it('100 MB into the inbox under a running app: stopped near its 10 MiB budget, snapshots saved, the reason shown, resume only once there is room', async () => {
    await writeTestAgent({ script: floodingAgent(FLOOD_100_MB) });
    await writeTestSettings({ maxHostWriteBytes: '10M' });
    const ctx = createCoreDeps();
    core = createCore({ deps: ctx, live: true });
    const bottles = core.bottles;
    const { identity } = await bottles.start({ agent: 'scripted', cwd: env.project(), copy: true });
    const paths = bottlePaths(identity);
    const transcript = (): Promise<string> => readFile(join(paths.transcript, 'log.txt'), 'utf8');

    // A first run, stopped by the operator: its snapshot is what must survive.
    await ranOnce(identity);
    await bottles.stop(identity);
    expect(await transcript()).toContain('run 1 mode=start');

    // The resume floods the inbox.
    const floodStarted = Date.now();
    await bottles.resume(identity);
    const stopped = await stoppedView(bottles, identity);
    const afterStop = await folderSize(paths.inbox);
    process.stdout.write(
      `inbox at the stop: ${(afterStop.bytes / MiB).toFixed(1)} MiB in ${afterStop.entries} files, ${Date.now() - floodStarted} ms after the resume began\n`,
    );
    expect(stopped?.stopReason).toBe(
      `its inbox went over its 10 MiB disk budget; empty it to resume (${paths.inbox}; the budget is maxHostWriteBytes in ${settingsPath()})`,
    );

    // Stopped before it got to the end, and the folder grows no more.
    const entries = await readdir(paths.inbox);
    expect(entries).not.toContain('flood-finished');
    expect(afterStop.bytes).toBeGreaterThan(10 * MiB);
    expect(afterStop.bytes).toBeLessThanOrEqual(60 * MiB);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await folderSize(paths.inbox)).toEqual(afterStop);
    expect(await findBottleContainer(ctx.docker, identity)).toBeNull();

    // Stopped the normal way: both runs' transcript and workspace saved, no junk in either.
    expect(await transcript()).toMatch(/run 1 mode=start\nrun 2 mode=resume\n/);
    expect((await readdir(paths.workspace)).sort()).toEqual(['agent-output-1.txt', 'agent-output-2.txt', 'flooded']);
    expect(await folderSize(paths.transcript).then((size) => size.bytes)).toBeLessThan(4096);

    // The CLI, with no app of its own, says why: in JSON and in words.
    const detail = await showJson(identity);
    expect(detail.stopReason).toBe(stopped?.stopReason);
    const words = await runCli(['show', identity]);
    expect(words.stdout).toMatch(/^stopped for: +its inbox went over its 10 MiB disk budget; empty it to resume/m);

    // Resume refuses while the junk is there, and says what to do; nothing changes.
    await expect(bottles.resume(identity)).rejects.toThrow(`cannot resume ${identity}: ${stopped?.stopReason ?? ''}`);
    expect((await bottles.view(identity))?.stopReason).toBe(stopped?.stopReason);

    // Room made: it resumes, with everything it had, and the reason is history.
    for (const name of entries.filter((entry) => entry.startsWith('junk-'))) await rm(join(paths.inbox, name));
    await bottles.resume(identity);
    await eventually(async () =>
      expect((await execIn(await bottleContainer(identity), ['cat', `${TEST_TRANSCRIPT_DIR}/log.txt`])).output).toContain(
        'run 3 mode=resume',
      ),
    );
    const resumed = await bottles.view(identity);
    expect(resumed?.status).toBe('running');
    expect(resumed?.stopReason).toBeNull();
    expect((await showJson(identity)).stopReason).toBeNull();
  });

  it('a budget passed while no app runs, in a nested folder: the next `ls` or `show` stops the bottle and says why', async () => {
    // Nested folders raise no event on the inbox itself: only a measurement finds them.
    const nested = `mkdir -p ${INBOX}/a/b/c; i=0; while [ $i -lt 30 ]; do dd if=/dev/zero of=${INBOX}/a/b/c/junk-$i bs=1M count=1 2>/dev/null; i=$((i + 1)); done; echo all > ${INBOX}/flood-finished`;
    await writeTestAgent({ script: floodingAgent(nested) });
    await writeTestSettings({ maxHostWriteBytes: '10M' });
    const bottles = service();
    const { identity } = await bottles.start({ agent: 'scripted', cwd: env.project(), copy: false });
    await ranOnce(identity);
    await bottles.stop(identity);
    const paths = bottlePaths(identity);
    const firstTranscript = await readFile(join(paths.transcript, 'log.txt'), 'utf8');

    // The resume is started without the budget in force: only the agent runs now, no app.
    await writeTestSettings();
    await bottles.resume(identity);
    await eventually(async () => expect(await readdir(paths.inbox)).toContain('flood-finished'), 30_000);
    await writeTestSettings({ maxHostWriteBytes: '10M' });

    const listed = JSON.parse((await runCli(['ls', '--json'])).stdout) as BottleDetail[];
    const view = listed.find((bottle) => bottle.identity === identity);
    expect(view?.status).toBe('ready-to-resume');
    expect(view?.stopReason).toMatch(/^its inbox went over its 10 MiB disk budget; /);
    expect((await showJson(identity)).stopReason).toBe(view?.stopReason);
    expect(await readFile(join(paths.transcript, 'log.txt'), 'utf8')).toBe(`${firstTranscript}run 2 mode=resume\n`);
  });

  it('a flood of empty files: stopped at its entry budget', async () => {
    // xargs: a few processes for thousands of files, as fast as an agent can make them, in 40
    // bursts of 500 a second apart: all 20,000 at once took less than the guard's look on a quiet
    // machine (CI counted all 20,001 at the stop), so the flood now lasts long past the budget.
    const empties = `cd ${INBOX} && for b in $(seq 0 39); do seq $((b * 500 + 1)) $((b * 500 + 500)) | sed 's/^/e-/' | xargs touch; sleep 1; done; echo all > ${INBOX}/flood-finished`;
    await writeTestAgent({ script: floodingAgent(empties) });
    await writeTestSettings({ maxHostWriteEntries: 1000 });
    core = createCore({ deps: createCoreDeps(), live: true });
    const bottles = core.bottles;
    const { identity } = await bottles.start({ agent: 'scripted', cwd: env.project(), copy: true });
    await ranOnce(identity);
    await bottles.stop(identity);
    await bottles.resume(identity);
    const stopped = await stoppedView(bottles, identity);
    expect(stopped?.stopReason).toMatch(
      /^its inbox went over its budget of 1000 files; empty it to resume \(.*; the budget is maxHostWriteEntries in .*settings\.json\)$/,
    );
    const count = (await readdir(bottlePaths(identity).inbox)).length;
    process.stdout.write(`inbox at the stop: ${count} entries\n`);
    expect(count).toBeLessThan(20_000);
  });
});
