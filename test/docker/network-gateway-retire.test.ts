import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import { LABEL_INSTANCE } from '../../src/core/engine/bottle-containers';
import { egressNetworkName, gatewayContainerName } from '../../src/core/engine/gateway-container';
import { instanceId } from '../../src/core/state/instance-id';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { skipWithoutDocker } from '../helpers/docker-available';
import { removeTestInstanceObjects } from '../helpers/instance-cleanup';
import { rawDocker } from '../helpers/raw-docker';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';
import { writeTestSettings } from '../helpers/test-settings';
import { service } from '../helpers/test-service';
import { rebuildTranscriptOf, startAndAwaitRequest } from '../helpers/rebuild-agent';
import { eventually } from '../helpers/docker-exec';
import { createCoreDeps } from '../../src/core/deps/core-deps';

/*
 * Issue 19, the gateway's lifetime on the real engine: it is on by default, so every launch makes a
 * gateway container, an egress bridge and the bottle's own network. None of them may outlive the
 * bottles: the last bottle of this root removed takes the gateway and its bridge along, a launch
 * that failed leaves nothing once its bottle is removed, a rebuild makes no second network, and another root's gateway on the same
 * engine is never touched.
 */

const env = useBottleTestEnv();
const docker = rawDocker();
let rootB = '';

beforeEach(async () => {
  rootB = await mkdtemp(join(tmpdir(), 'claude-bottle-retire-other-'));
  await writeTestAgent({ agentsDir: join(rootB, 'agents') });
  await writeTestSettings({}, join(rootB, 'settings.json'));
});

afterEach(async () => {
  await removeTestInstanceObjects(rootB);
  await rm(rootB, { recursive: true, force: true });
});

/** What this root has on the engine: its gateway container, its egress bridge, and every network labelled with its instance (sorted: the engine lists them in no fixed order). */
async function ownObjects(): Promise<{ gateway: boolean; egress: boolean; networks: string[] }> {
  const instance = instanceId();
  const gateway = (await docker.listContainers({ all: true, filters: { name: [gatewayContainerName(instance)] } })).length > 0;
  const networks = (await docker.listNetworks({ filters: { label: [`${LABEL_INSTANCE}=${instance}`] } }))
    .map((network) => network.Name)
    .sort();
  return { gateway, egress: networks.includes(egressNetworkName(instance)), networks };
}

async function startDetached(home?: string): Promise<string> {
  const started = await runCli(
    ['start', 'scripted', '--cwd', env.project(), '--copy', '--detach', '--json'],
    home === undefined ? {} : { CLAUDE_BOTTLE_HOME: home },
  );
  expect(started.code, started.stderr).toBe(0);
  return (JSON.parse(started.stdout) as BottleView).identity;
}

describe.skipIf(skipWithoutDocker)('the gateway goes with the last bottle (issue 19)', () => {
  it('stays while a bottle (running or stopped) is left, and goes with its egress bridge when the last one is removed', async () => {
    const first = await startDetached();
    const second = await startDetached();
    expect(await ownObjects()).toMatchObject({ gateway: true, egress: true });
    expect((await ownObjects()).networks).toHaveLength(3);

    const bottles = service();
    await bottles.remove(first, { keepState: false, force: true });
    expect(await ownObjects()).toMatchObject({ gateway: true, egress: true });
    // Stopped, the second keeps its network for the resume, and the gateway stays for it.
    await bottles.stop(second);
    expect(await ownObjects()).toMatchObject({ gateway: true, egress: true });
    expect((await ownObjects()).networks).toHaveLength(2);

    await bottles.remove(second, { keepState: false, force: true });
    expect(await ownObjects()).toEqual({ gateway: false, egress: false, networks: [] });

    // The next launch makes them again.
    await startDetached();
    expect(await ownObjects()).toMatchObject({ gateway: true, egress: true });
  });

  it("a launch that failed leaves no network behind once its bottle is removed (the CLI's rm)", async () => {
    // A user the image does not have: the launch fails after its network and the gateway were made.
    await writeTestAgent({ name: 'broken', user: 'nosuchuser' });
    const started = await runCli(['start', 'broken', '--cwd', env.project(), '--copy', '--detach', '--json']);
    expect(started.code).not.toBe(0);
    const [bottle] = await env.listMine();
    expect(bottle).toBeDefined();
    expect((await ownObjects()).networks.length).toBeGreaterThan(0);

    const removed = await runCli(['rm', bottle?.identity ?? '', '--force']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(await ownObjects()).toEqual({ gateway: false, egress: false, networks: [] });
  });

  it('a rebuild keeps the one network of its bottle (no second one), and the removal takes it and the gateway', async () => {
    const ctx = createCoreDeps();
    const { identity, pending } = await startAndAwaitRequest(ctx, { cwd: env.project(), copy: true });
    const before = await ownObjects();
    expect(before.networks).toHaveLength(2);
    await service(ctx).approve(identity, { requestId: pending.id, resume: true });
    await eventually(async () => expect(await rebuildTranscriptOf(identity)).toContain('run 2 marker: built'));
    expect(await ownObjects()).toEqual(before);
    await service(ctx).remove(identity, { keepState: false, force: true });
    expect(await ownObjects()).toEqual({ gateway: false, egress: false, networks: [] });
  });

  it("removing this root's last bottle leaves another root's gateway on the same engine running", async () => {
    const other = await startDetached(rootB);
    const mine = await startDetached();
    const otherGateway = docker.getContainer(gatewayContainerName((await readFile(join(rootB, 'instance-id'), 'utf8')).trim()));
    expect((await otherGateway.inspect()).State.Running).toBe(true);

    await service().remove(mine, { keepState: false, force: true });
    expect(await ownObjects()).toEqual({ gateway: false, egress: false, networks: [] });
    const listed = JSON.parse((await runCli(['ls', '--json'], { CLAUDE_BOTTLE_HOME: rootB })).stdout) as BottleView[];
    expect(listed.find((view) => view.identity === other)?.status).toBe('running');
    expect((await otherGateway.inspect()).State.Running).toBe(true);
  });
});
