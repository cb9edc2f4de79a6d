import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import { buildImage } from '../../src/core/engine/image-build';
import { connectDocker } from '../../src/core/engine/docker-client';
import { perBottleImageTag } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { TEST_BASE_IMAGE } from '../helpers/busybox-image';
import { eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli, type CliResult } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';
import { writeTestSettings } from '../helpers/test-settings';
import { removeTestInstanceObjects } from '../helpers/instance-cleanup';
import { service } from '../helpers/test-service';

/*
 * Issue 17, "another instance's bottles are not yours": two state roots on one engine (a second
 * operator account, a test run, a Python CLI with another CLAUDE_BOTTLE_HOME) saw each other's
 * containers as orphans with Remove, and `rm <id>` removed the other root's running bottle. Root B
 * starts a bottle; everything root A does to it must leave it running with its state intact.
 */

const { docker } = connectDocker();
/** Containers this file made by hand (not through a state root): removed after each test. */
const handMade: string[] = [];
/** Bottles of root B: A's cleanup must not see them as its own, so they are named here. */
const otherIdentities: string[] = [];
/** Images this file built or tagged. */
const images: string[] = [];
const env = useBottleTestEnv(() => otherIdentities);

let rootB = '';
beforeEach(async () => {
  rootB = await mkdtemp(join(tmpdir(), 'claude-bottle-other-root-'));
  await writeTestAgent({ agentsDir: join(rootB, 'agents') });
  await writeTestSettings({}, join(rootB, 'settings.json'));
});
afterEach(async () => {
  for (const name of handMade.splice(0))
    await docker
      .getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
  for (const identity of otherIdentities.splice(0))
    await docker
      .getContainer(`claude-bottle-${identity}`)
      .remove({ force: true })
      .catch(() => undefined);
  for (const image of images.splice(0))
    await docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
  // B's gateway and networks too (issue 19: on by default), by B's own instance id.
  await removeTestInstanceObjects(rootB);
  await rm(rootB, { recursive: true, force: true });
});

function asB(args: string[]): Promise<CliResult> {
  return runCli(args, { CLAUDE_BOTTLE_HOME: rootB });
}

/** Starts a running bottle under root B with its own CLI, as another operator would. */
async function startInB(): Promise<string> {
  const started = await asB(['start', 'scripted', '--cwd', env.project(), '--copy', '--detach', '--json']);
  expect(started.code, started.stderr).toBe(0);
  const identity = (JSON.parse(started.stdout) as BottleView).identity;
  otherIdentities.push(identity);
  return identity;
}

async function isRunning(identity: string): Promise<boolean> {
  return (await docker.getContainer(`claude-bottle-${identity}`).inspect()).State.Running;
}

/** Every file under a folder with its content: B's state before and after A acted on it. */
async function snapshotOf(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[path.slice(dir.length)] = await readFile(path, 'utf8');
  }
  return files;
}

/** One line on stderr, exit 1, nothing on stdout. */
function expectRefusal(result: CliResult, message: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

const REFUSED = /belongs to another claude-bottle instance on this engine/;

/** What A should count: the engine's claude-bottle containers that A did not make (read from the engine). */
async function othersOnEngine(): Promise<number> {
  const instance = readFileSync(join(env.home(), 'instance-id'), 'utf8').trim();
  const listed = await docker.listContainers({ all: true, filters: { label: ['claude-bottle.managed=true'] } });
  return listed.filter((info) => {
    const label = info.Labels['claude-bottle.instance'];
    if (label !== undefined) return label !== instance;
    return !existsSync(join(env.home(), 'state', info.Labels['claude-bottle.identity'] ?? '-'));
  }).length;
}

describe.skipIf(skipWithoutDocker)("another instance's bottles on the same engine", () => {
  it('are neither listed as orphans nor stopped or removed by rm, stop, bulk Remove or an orphan sweep', async () => {
    const theirs = await startInB();
    await eventually(async () => expect(await isRunning(theirs)).toBe(true));
    // A legacy container of another root (the Python CLI, an older version): no instance label.
    const legacy = 'scripted-lega1';
    handMade.push(`claude-bottle-${legacy}`);
    await docker
      .createContainer({
        name: `claude-bottle-${legacy}`,
        Image: TEST_BASE_IMAGE,
        Cmd: ['sleep', '600'],
        Labels: { 'claude-bottle.identity': legacy, 'claude-bottle.agent': 'scripted', 'claude-bottle.managed': 'true' },
      })
      .then((container) => container.start());
    const stateB = await snapshotOf(join(rootB, 'state', theirs));

    // A's listings: neither shows up, as an orphan or otherwise.
    const listed = await runCli(['ls', '--json']);
    expect(listed.code).toBe(0);
    const identities = (JSON.parse(listed.stdout) as BottleView[]).map((view) => view.identity);
    expect(identities).not.toContain(theirs);
    expect(identities).not.toContain(legacy);
    const table = await runCli(['ls']);
    expect(table.stdout).not.toContain(theirs);
    const { bottles, otherInstances } = await service().listing();
    expect(bottles.map((view) => view.identity)).not.toContain(theirs);
    // Counted instead, neutrally: other test files share the engine, so the count is checked
    // against the engine itself at the same moment (retried while they come and go).
    await eventually(async () => {
      const [counted, expected] = [(await service().listing()).otherInstances, await othersOnEngine()];
      expect(counted).toBe(expected);
    });
    expect(otherInstances).toBeGreaterThanOrEqual(2);
    expect(table.stderr).toMatch(/^\d+ bottles of another claude-bottle instance \(another state root\) on this engine are not shown\n$/);

    // rm and stop from A: refused with one line naming why; B's bottle keeps running.
    expectRefusal(await runCli(['rm', theirs]), REFUSED);
    expectRefusal(await runCli(['rm', theirs, '--keep-state']), REFUSED);
    expectRefusal(await runCli(['stop', theirs]), REFUSED);
    expectRefusal(await runCli(['rm', legacy]), REFUSED);
    expect(await isRunning(theirs)).toBe(true);
    expect(await isRunning(legacy)).toBe(true);

    // Bulk Remove and Stop through the service every front end uses: refused for them.
    const bulk = await service().bulk({ action: 'remove', identities: [theirs, legacy], keepState: false });
    expect(bulk).toEqual([
      { identity: theirs, outcome: 'skipped', message: expect.stringMatching(REFUSED) },
      { identity: legacy, outcome: 'skipped', message: expect.stringMatching(REFUSED) },
    ]);
    expect((await service().bulk({ action: 'stop', identities: [theirs], keepState: false }))[0]).toMatchObject({
      outcome: 'skipped',
      message: expect.stringMatching(REFUSED),
    });
    // The operator's cleanup: every orphan A lists, removed in bulk. Theirs are not among them.
    const orphans = (await service().list()).filter((view) => view.status === 'orphan').map((view) => view.identity);
    expect(orphans).not.toContain(theirs);
    if (orphans.length > 0) await service().bulk({ action: 'remove', identities: orphans, keepState: false });

    expect(await isRunning(theirs)).toBe(true);
    expect(await isRunning(legacy)).toBe(true);
    // B still has its bottle, running, with its state as it was.
    expect(await snapshotOf(join(rootB, 'state', theirs))).toEqual(stateB);
    const fromB = JSON.parse((await asB(['ls', '--json'])).stdout) as (BottleView & { displayStatus: string })[];
    expect(fromB.find((view) => view.identity === theirs)).toMatchObject({ status: 'running' });
  });

  it('a true orphan of this instance (its label, state folder gone) is still listed as one and removed', async () => {
    const started = await runCli(['start', 'scripted', '--cwd', env.project(), '--copy', '--detach', '--json']);
    const identity = (JSON.parse(started.stdout) as BottleView).identity;
    otherIdentities.push(identity);
    await rm(join(env.home(), 'state', identity), { recursive: true, force: true });
    const listed = JSON.parse((await runCli(['ls', '--json'])).stdout) as BottleView[];
    expect(listed.find((view) => view.identity === identity)).toMatchObject({ status: 'orphan' });
    const removed = await runCli(['rm', identity, '--force']);
    expect(removed).toMatchObject({ code: 0, stdout: `removed ${identity}\n` });
    expect((await docker.listContainers({ all: true, filters: { name: [`claude-bottle-${identity}`] } })).length).toBe(0);
  });

  it("rm removes the bottle's rebuilt image, --keep-state keeps it, and an image another instance's container uses is left", async () => {
    const build = async (identity: string): Promise<string> => {
      const tag = perBottleImageTag(identity);
      images.push(tag);
      // A distinct image (its own label), tagged only as the bottle's: what an approved rebuild leaves.
      await buildImage(docker, {
        contextDir: join(env.home(), 'agents', 'scripted'),
        dockerfile: `FROM ${TEST_BASE_IMAGE}\n`,
        tag,
        labels: { 'test.bottle': identity },
      });
      return tag;
    };
    const exists = (tag: string): Promise<boolean> =>
      docker
        .getImage(tag)
        .inspect()
        .then(
          () => true,
          () => false,
        );
    const startA = async (): Promise<string> => {
      const started = await runCli(['start', 'scripted', '--cwd', env.project(), '--copy', '--detach', '--json']);
      return (JSON.parse(started.stdout) as BottleView).identity;
    };

    const gone = await startA();
    const goneImage = await build(gone);
    expect(await runCli(['rm', gone, '--force'])).toMatchObject({ code: 0 });
    expect(await exists(goneImage)).toBe(false);

    const kept = await startA();
    const keptImage = await build(kept);
    expect(await runCli(['rm', kept, '--keep-state'])).toMatchObject({ code: 0 });
    expect(await exists(keptImage)).toBe(true);
    expect(existsSync(join(env.home(), 'state', kept, 'metadata.json'))).toBe(true);

    // Another instance's container runs that very image: rm takes the bottle, never the image from under it.
    const shared = await startA();
    const sharedImage = await build(shared);
    const user = `claude-bottle-other-user-${shared}`;
    handMade.push(user);
    await docker
      .createContainer({
        name: user,
        Image: sharedImage,
        Cmd: ['sleep', '600'],
        Labels: { 'claude-bottle.managed': 'true', 'claude-bottle.identity': 'other-zzzzz', 'claude-bottle.instance': 'f'.repeat(32) },
      })
      .then((container) => container.start());
    const removed = await runCli(['rm', shared, '--force']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe(`removed ${shared}; its image ${sharedImage} is kept: a container still uses it\n`);
    expect(await exists(sharedImage)).toBe(true);
    expect((await docker.getContainer(user).inspect()).State.Running).toBe(true);
  });

  it('processes starting at once on a fresh state root agree on one instance id, kept in a file of its own', async () => {
    expect(existsSync(join(rootB, 'instance-id'))).toBe(false);
    const identities = await Promise.all([startInB(), startInB(), startInB()]);
    const id = readFileSync(join(rootB, 'instance-id'), 'utf8').trim();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (const identity of identities) {
      expect((await docker.getContainer(`claude-bottle-${identity}`).inspect()).Config.Labels['claude-bottle.instance']).toBe(id);
      // Not in metadata.json, which keeps exactly the five keys the Python CLI reads.
      expect(Object.keys(JSON.parse(await readFile(join(rootB, 'state', identity, 'metadata.json'), 'utf8')) as object).sort()).toEqual([
        'agent_name',
        'copy_cwd',
        'cwd',
        'identity',
        'started_at',
      ]);
    }
    // No candidate left behind by the processes that lost the race.
    expect((await readdir(rootB)).filter((name) => name.includes('instance-id'))).toEqual(['instance-id']);
  });
});
