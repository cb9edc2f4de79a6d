import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { connectDocker } from '../../src/core/engine/docker-client';
import { bottleNetworkName, ensureBottleNetwork, removeBottleNetwork, subnetSeed } from '../../src/core/engine/bottle-networks';
import { GatewayControl } from '../../src/core/engine/gateway-control';
import { connectGateway, ensureGateway, gatewayContainerName } from '../../src/core/engine/gateway-container';
import { ensureGatewayImage, gatewayProgramPath, GATEWAY_PROGRAM } from '../../src/core/engine/gateway-image';
import { cidrText, freeSubnets, hostAddress, overlaps, parseCidr, type Cidr } from '../../src/core/engine/network-subnets';
import { instanceId } from '../../src/core/state/instance-id';
import { settingsPath } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { writeGatewayStandIn } from '../helpers/gateway-stand-in';
import { removeTestNetworksAfterEach } from '../helpers/network-cleanup';
import { ensureTestNodeBaseImage, TEST_NODE_BASE_IMAGE } from '../helpers/node-base-image';
import { rawDocker } from '../helpers/raw-docker';
import { service } from '../helpers/test-service';

/*
 * Issue 19: the bottle networks and the gateway container over their lifetime, on the real engine.
 * The gateway runs a STAND-IN program (test/helpers/gateway-stand-in.ts), not the real proxy.
 */

const env = useBottleTestEnv();
removeTestNetworksAfterEach();
const docker = rawDocker();
const { docker: engine } = connectDocker();
/** Networks this file made by hand, as another instance or another program would: removed after each test. */
const handMade: string[] = [];

beforeAll(async () => {
  await ensureTestNodeBaseImage(docker);
}, 120_000);

beforeEach(async () => {
  await writeFile(settingsPath(), JSON.stringify({ gatewayNetwork: true, gatewayBaseImage: TEST_NODE_BASE_IMAGE }));
  process.env.CLAUDE_BOTTLE_GATEWAY_PROGRAM = await writeGatewayStandIn(env.home());
});

afterEach(async () => {
  delete process.env.CLAUDE_BOTTLE_GATEWAY_PROGRAM;
  for (const name of handMade.splice(0)) await docker.getNetwork(name).remove();
});

const subnetOf = async (name: string): Promise<Cidr> =>
  parseCidr((await docker.getNetwork(name).inspect()).IPAM?.Config?.[0]?.Subnet ?? '') as Cidr;

async function startGateway(): Promise<void> {
  await ensureGateway(engine, await ensureGatewayImage(engine, { baseImage: TEST_NODE_BASE_IMAGE, programPath: gatewayProgramPath() }));
}

describe.skipIf(skipWithoutDocker)('bottle networks and the gateway over their lifetime (issue 19)', () => {
  it('removing a bottle removes its network and keeps the gateway for the others; stopping keeps the network for the resume', async () => {
    const ctx = createCoreDeps();
    // Another bottle stays: the last one's removal takes the gateway along (network-gateway-retire.test.ts).
    await service(ctx).start({ agent: 'scripted', cwd: env.project(), copy: true });
    const { identity } = await service(ctx).start({ agent: 'scripted', cwd: env.project(), copy: true });
    const name = bottleNetworkName(identity);
    const subnet = await subnetOf(name);
    await service(ctx).stop(identity);
    expect(await subnetOf(name)).toEqual(subnet);
    await service(ctx).resume(identity);
    expect(await subnetOf(name)).toEqual(subnet);
    await service(ctx).remove(identity, { keepState: false, force: true });
    expect(await docker.listNetworks({ filters: { name: [name] } })).toEqual([]);
    expect((await docker.getContainer(gatewayContainerName()).inspect()).State.Running).toBe(true);
  }, 180_000);

  it('two bottles launched at once both get their network with the gateway on it', async () => {
    const ctx = createCoreDeps();
    // allSettled: a launch that failed must not leave the other one running past the cleanup.
    const outcomes = await Promise.allSettled([0, 1].map(() => service(ctx).start({ agent: 'scripted', cwd: env.project(), copy: true })));
    const started = outcomes.map((outcome) => {
      if (outcome.status === 'rejected') throw outcome.reason;
      return outcome.value;
    });
    const gateway = await docker.getContainer(gatewayContainerName()).inspect();
    for (const { identity } of started) {
      const subnet = await subnetOf(bottleNetworkName(identity));
      expect(gateway.NetworkSettings.Networks[bottleNetworkName(identity)]?.IPAddress).toBe(hostAddress(subnet, 2));
    }
  }, 180_000);

  it('concurrent bottles get distinct /29s that overlap no network of the engine; one bottle racing itself gets one network', async () => {
    // Someone else's networks on the very /29 each of these bottles would try first: every subnet
    // must come from elsewhere. Other test files' bottle networks come and go in the range meanwhile,
    // so the squatters take only those /29s, each free now.
    const identities = ['net-race-a1', 'net-race-b2', 'net-race-c3', 'net-race-d4', 'net-race-e5', 'net-race-a1'];
    const taken = (await docker.listNetworks()).flatMap((network) =>
      (network.IPAM?.Config ?? []).flatMap((c) => parseCidr(c.Subnet ?? '') ?? []),
    );
    const squatters: Cidr[] = [];
    for (const identity of new Set(identities)) {
      const first = freeSubnets([...taken, ...squatters], subnetSeed(identity))[0] as Cidr;
      const name = `claude-bottle-test-squatter-${squatters.length}`;
      handMade.push(name);
      await docker.createNetwork({ Name: name, IPAM: { Config: [{ Subnet: cidrText(first) }] } });
      squatters.push(first);
    }
    const networks = await Promise.all(identities.map((identity) => ensureBottleNetwork(engine, identity)));
    expect(networks[5]).toEqual(networks[0]);
    const subnets = networks.slice(0, 5).map((network) => parseCidr(network.subnet) as Cidr);
    for (const [i, subnet] of subnets.entries()) {
      for (const squatter of squatters) expect(overlaps(subnet, squatter), networks[i]?.subnet).toBe(false);
      for (const other of subnets.slice(i + 1)) expect(overlaps(subnet, other)).toBe(false);
    }
    for (const [i, network] of networks.entries()) {
      expect(network.gatewayIp).toBe(hostAddress(subnets[i % 5] as Cidr, 2));
      expect(network.bottleIp).toBe(hostAddress(subnets[i % 5] as Cidr, 3));
    }
  }, 60_000);

  it("another instance's network of the same name is neither used nor removed", async () => {
    const identity = 'net-other-x1';
    const name = bottleNetworkName(identity);
    handMade.push(name);
    await docker.createNetwork({
      Name: name,
      Internal: true,
      IPAM: { Config: [{ Subnet: '10.213.255.248/29' }] },
      Labels: { 'claude-bottle.managed': 'true', 'claude-bottle.identity': identity, 'claude-bottle.instance': 'f'.repeat(32) },
    });
    await expect(ensureBottleNetwork(engine, identity)).rejects.toThrow(/another claude-bottle instance/);
    expect(await removeBottleNetwork(engine, identity)).toBe(false);
    expect((await docker.getNetwork(name).inspect()).Labels?.['claude-bottle.instance']).toBe('f'.repeat(32));
    expect(instanceId()).not.toBe('f'.repeat(32));
  }, 60_000);

  it('the control stream carries JSON lines both ways, closes on a line past the cap, and leaves the gateway running', async () => {
    await startGateway();
    const messages: unknown[] = [];
    const bad: string[] = [];
    let closed: string | null = null;
    const control = await GatewayControl.open(
      engine.getContainer(gatewayContainerName()),
      { message: (message) => messages.push(message), badLine: (reason) => bad.push(reason), closed: (reason) => (closed = reason) },
      ['node', GATEWAY_PROGRAM, '--control'],
    );
    await eventually(async () => expect(messages).toEqual([{ type: 'ready' }]));
    expect(control.send({ type: 'hello', n: 1 })).toBe(true);
    await eventually(async () => expect(messages).toContainEqual({ type: 'echo', message: { type: 'hello', n: 1 } }));
    control.send({ type: 'flood' });
    await eventually(async () => expect(closed).toBe('the gateway sent a line past the cap'));
    expect(bad).toEqual(['a line longer than 1048576 bytes']);
    expect(control.open).toBe(false);
    expect(control.send({ type: 'ping' })).toBe(false);
    expect((await docker.getContainer(gatewayContainerName()).inspect()).State.Running).toBe(true);
  }, 120_000);

  it('the gateway made anew for a new program joins every bottle network of this root again at .2', async () => {
    await startGateway();
    const network = await ensureBottleNetwork(engine, 'net-rejoin-z9');
    await connectGateway(engine, network);
    const before = (await docker.getContainer(gatewayContainerName()).inspect()).Id;
    await writeFile(gatewayProgramPath(), `// another program\n${await readFile(gatewayProgramPath(), 'utf8')}`);
    await startGateway();
    const after = await docker.getContainer(gatewayContainerName()).inspect();
    expect(after.Id).not.toBe(before);
    expect(after.NetworkSettings.Networks[network.name]?.IPAddress).toBe(network.gatewayIp);
  }, 120_000);
});
