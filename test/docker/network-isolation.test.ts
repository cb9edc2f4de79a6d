import { writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import type Docker from 'dockerode';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { bottleNetworkName } from '../../src/core/engine/bottle-networks';
import { egressNetworkName, gatewayContainerName } from '../../src/core/engine/gateway-container';
import { hostAddress, parseCidr } from '../../src/core/engine/network-subnets';
import { instanceId } from '../../src/core/state/instance-id';
import { settingsPath } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { TEST_BASE_IMAGE } from '../helpers/busybox-image';
import { bottleContainer, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { GATEWAY_STAND_IN_BANNER, writeGatewayStandIn } from '../helpers/gateway-stand-in';
import { removeTestNetworksAfterEach } from '../helpers/network-cleanup';
import { ensureTestNodeBaseImage, TEST_NODE_BASE_IMAGE } from '../helpers/node-base-image';
import { rawDocker } from '../helpers/raw-docker';
import { service } from '../helpers/test-service';

/*
 * Issue 19, "no route but the gateway", on the real engine: with settings.json `gatewayNetwork` on,
 * a bottle sits alone on its own network with the gateway container. The gateway runs a STAND-IN
 * program here (test/helpers/gateway-stand-in.ts: a banner on :3128), since these tests are about
 * who reaches what; the proxy itself is another part of the issue. Each unreachable target gets a
 * positive control first (something else does reach it), so a probe that cannot connect to anything
 * cannot pass for isolation.
 */

const env = useBottleTestEnv();
removeTestNetworksAfterEach();
const docker = rawDocker();
/** The "outside" of each test: a container on a network of its own, both removed after it. */
const outsideObjects: { containers: string[]; networks: string[] } = { containers: [], networks: [] };
let hostListener: Server | null = null;

beforeAll(async () => {
  await ensureTestNodeBaseImage(docker);
}, 120_000);

beforeEach(async () => {
  await writeFile(settingsPath(), JSON.stringify({ gatewayNetwork: true, gatewayBaseImage: TEST_NODE_BASE_IMAGE }));
  process.env.CLAUDE_BOTTLE_GATEWAY_PROGRAM = await writeGatewayStandIn(env.home());
});

afterEach(async () => {
  delete process.env.CLAUDE_BOTTLE_GATEWAY_PROGRAM;
  hostListener?.close();
  hostListener = null;
  for (const name of outsideObjects.containers.splice(0))
    await docker
      .getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
  for (const name of outsideObjects.networks.splice(0)) await docker.getNetwork(name).remove();
});

/** What a TCP probe from `container` to ip:port gets back (an HTTP request is sent), and nc's exit code. */
async function probe(container: Docker.Container, ip: string, port: number): Promise<string> {
  const script = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${ip} ${port} 2>&1; echo "exit=$?"`;
  return (await execIn(container, ['sh', '-c', script])).output;
}

/** The outside's bridge: a /29 no other test uses. */
const OUTSIDE_SUBNET = '11.213.66.0/29';

/** An "outside" server: busybox httpd on :8080 in a container on a normal bridge of its own. */
async function startOutside(): Promise<{ container: Docker.Container; ip: string; name: string }> {
  const name = `claude-bottle-test-outside-${instanceId().slice(0, 12)}`;
  // A subnet of its own: a host with ~30 bridges has no default pool left for it.
  await docker.createNetwork({
    Name: name,
    Driver: 'bridge',
    IPAM: { Driver: 'default', Config: [{ Subnet: OUTSIDE_SUBNET }] },
    Labels: { 'claude-bottle-test.outside': 'true' },
  });
  outsideObjects.networks.push(name);
  const container = await docker.createContainer({
    name,
    Image: TEST_BASE_IMAGE,
    Cmd: ['httpd', '-f', '-p', '8080', '-h', '/tmp'],
    Labels: { 'claude-bottle-test.outside': 'true' },
    HostConfig: { NetworkMode: name },
  });
  outsideObjects.containers.unshift(name);
  await container.start();
  const ip = (await container.inspect()).NetworkSettings.Networks[name]?.IPAddress ?? '';
  return { container, ip, name };
}

/** A listener on every address of this host, answering a banner: what a bottle must not reach. */
async function listenOnHost(): Promise<number> {
  const server = createServer((socket) => socket.end('host listener\n'));
  hostListener = server;
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return (server.address() as { port: number }).port;
}

/** The host's own addresses a container could try: docker0's, our egress bridge's, and its main interface's. */
async function hostAddresses(): Promise<Record<string, string>> {
  const gatewayOf = async (network: string): Promise<string> => {
    const info = (await docker.getNetwork(network).inspect()) as {
      Id: string;
      IPAM?: { Config?: { Gateway?: string }[] };
      Options?: Record<string, string>;
    };
    const listed = info.IPAM?.Config?.[0]?.Gateway;
    if (listed !== undefined && listed !== '') return listed;
    // The default bridge an engine makes on its very first start lists no gateway in its IPAM
    // config (moby/moby#26799; it does after a restart): the host's address on the bridge is that gateway.
    const bridge = info.Options?.['com.docker.network.bridge.name'] ?? `br-${info.Id.slice(0, 12)}`;
    return networkInterfaces()[bridge]?.find((address) => address.family === 'IPv4')?.address ?? '';
  };
  const main = Object.entries(networkInterfaces())
    .filter(([name]) => !/^(docker|br-|veth|lo)/.test(name))
    .flatMap(([, addresses]) => addresses ?? [])
    .find((address) => address.family === 'IPv4' && !address.internal);
  return { docker0: await gatewayOf('bridge'), egress: await gatewayOf(egressNetworkName()), main: main?.address ?? '' };
}

/** What this host (the test) reads from ip:port: it reaches every bridge. */
async function bannerFromHost(ip: string, port: number): Promise<string> {
  return new Promise<string>((resolve) => {
    let text = '';
    const socket = connect(port, ip);
    socket.setTimeout(3000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', (error: Error) => (text += error.message));
    socket.on('close', () => resolve(text));
  });
}

/** What a node one-liner in the gateway container gets from ip:port (the gateway has no shell). */
async function probeFromGateway(ip: string, port: number): Promise<string> {
  const script = `const s=require('net').connect(${port},'${ip}',()=>s.write('GET / HTTP/1.0\\r\\n\\r\\n'));s.setTimeout(3000,()=>{console.log('timeout');s.destroy()});s.on('data',d=>process.stdout.write(d));s.on('error',e=>console.log(e.code))`;
  return (await execIn(docker.getContainer(gatewayContainerName()), ['node', '-e', script])).output;
}

describe.skipIf(skipWithoutDocker)('one door out: a bottle on its own network (issue 19)', () => {
  it('a bottle reaches the gateway and nothing else: not the host, the metadata address, another bottle, the outside, or DNS', async () => {
    const ctx = createCoreDeps();
    const a = (await service(ctx).start({ agent: 'scripted', cwd: env.project(), copy: true })).identity;
    const b = (await service(ctx).start({ agent: 'scripted', cwd: env.project(), copy: true })).identity;
    const bottleA = await bottleContainer(a);
    const bottleB = await bottleContainer(b);
    const infoA = await bottleA.inspect();
    const netA = await docker.getNetwork(bottleNetworkName(a)).inspect();
    const subnetA = parseCidr(netA.IPAM?.Config?.[0]?.Subnet ?? '');
    if (subnetA === null) throw new Error('bottle network without an IPv4 subnet');
    const gatewayIp = hostAddress(subnetA, 2);
    const ipB = (await bottleB.inspect()).NetworkSettings.Networks[bottleNetworkName(b)]?.IPAddress ?? '';

    // The bottle is on its network only, at .3, with IPv6 off and the gateway as its proxy.
    expect(Object.keys(infoA.NetworkSettings.Networks)).toEqual([bottleNetworkName(a)]);
    expect(infoA.NetworkSettings.Networks[bottleNetworkName(a)]?.IPAddress).toBe(hostAddress(subnetA, 3));
    expect(netA.Internal).toBe(true);
    expect(netA.Options?.['com.docker.network.bridge.inhibit_ipv4']).toBe('true');
    expect(netA.Labels).toMatchObject({ 'claude-bottle.identity': a, 'claude-bottle.instance': instanceId() });
    expect(netA.IPAM?.Config?.[0]?.Subnet).toMatch(/^10\.213\.\d+\.\d+\/29$/);
    expect(infoA.Config.Env).toContain(`HTTPS_PROXY=http://${gatewayIp}:3128`);
    expect((await execIn(bottleA, ['cat', '/proc/sys/net/ipv6/conf/all/disable_ipv6'])).output.trim()).toBe('1');
    expect(ipB).not.toBe('');

    // The gateway: hardened, on the egress bridge and on both bottle networks at .2.
    const gateway = await docker.getContainer(gatewayContainerName()).inspect();
    expect(gateway.HostConfig).toMatchObject({
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      Sysctls: { 'net.ipv4.ip_forward': '0' },
      RestartPolicy: { Name: 'unless-stopped' },
      ReadonlyRootfs: true,
    });
    expect(gateway.HostConfig.Memory).toBeGreaterThan(0);
    expect(gateway.HostConfig.PidsLimit).toBeGreaterThan(0);
    expect(Object.keys(gateway.NetworkSettings.Networks).sort()).toEqual(
      [bottleNetworkName(a), bottleNetworkName(b), egressNetworkName()].sort(),
    );
    expect(gateway.NetworkSettings.Networks[bottleNetworkName(a)]?.IPAddress).toBe(gatewayIp);
    // No forwarding on any of its interfaces, those of networks joined after its start included.
    const forwarding = `const fs=require('fs');const d='/proc/sys/net/ipv4/conf/';console.log(fs.readdirSync(d).map(i=>i+'='+fs.readFileSync(d+i+'/forwarding','utf8').trim()).join(' '))`;
    const flags = (await execIn(docker.getContainer(gateway.Id), ['node', '-e', forwarding])).output.trim().split(' ');
    expect(flags.length).toBeGreaterThanOrEqual(5);
    expect(flags.filter((flag) => !flag.endsWith('=0'))).toEqual([]);

    // The one door: the gateway's :3128.
    expect(await probe(bottleA, gatewayIp, 3128)).toContain(GATEWAY_STAND_IN_BANNER);

    // The host's addresses: reachable from a container on a normal bridge, never from the bottle.
    const outside = await startOutside();
    const port = await listenOnHost();
    const hosts = await hostAddresses();
    for (const [which, address] of Object.entries(hosts)) {
      expect(address, which).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(await probe(outside.container, address, port), `outside → host ${which}`).toContain('host listener');
      const fromBottle = await probe(bottleA, address, port);
      expect(fromBottle, `bottle → host ${which} ${address}`).not.toContain('host listener');
      expect(fromBottle).not.toContain('exit=0');
    }

    // The gateway's other addresses: on the egress bridge (this host reaches it) and on bottle B's
    // network (bottle B reaches it); bottle A reaches neither.
    const egressIp = gateway.NetworkSettings.Networks[egressNetworkName()]?.IPAddress ?? '';
    const gatewayOnB = gateway.NetworkSettings.Networks[bottleNetworkName(b)]?.IPAddress ?? '';
    expect(await bannerFromHost(egressIp, 3128)).toContain(GATEWAY_STAND_IN_BANNER);
    expect(await probe(bottleB, gatewayOnB, 3128)).toContain(GATEWAY_STAND_IN_BANNER);
    for (const address of [egressIp, gatewayOnB]) {
      const fromBottle = await probe(bottleA, address, 3128);
      expect(fromBottle, `bottle A → gateway at ${address}`).not.toContain(GATEWAY_STAND_IN_BANNER);
      expect(fromBottle).not.toContain('exit=0');
    }

    // The metadata address.
    const metadata = await probe(bottleA, '169.254.169.254', 80);
    expect(metadata).not.toContain('HTTP/');
    expect(metadata).not.toContain('exit=0');

    // Another bottle: its server answers the gateway, never bottle A.
    await execIn(bottleB, ['httpd', '-p', '8080', '-h', '/tmp']);
    expect(await probeFromGateway(ipB, 8080)).toContain('HTTP/1.');
    const toB = await probe(bottleA, ipB, 8080);
    expect(toB).not.toContain('HTTP/1.');
    expect(toB).not.toContain('exit=0');

    // The outside container: it answers this host, never the bottle.
    expect(await probe(outside.container, outside.ip, 8080)).toContain('HTTP/1.');
    const toOutside = await probe(bottleA, outside.ip, 8080);
    expect(toOutside).not.toContain('HTTP/1.');
    expect(toOutside).not.toContain('exit=0');

    // No name resolves: an external one, nor the outside container's.
    for (const name of ['example.com', outside.name]) {
      const lookup = await execIn(bottleA, ['nslookup', name]);
      expect(lookup.exitCode, lookup.output).not.toBe(0);
    }
  }, 180_000);
});
