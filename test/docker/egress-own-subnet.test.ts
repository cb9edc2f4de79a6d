import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../../src/core/engine/docker-client';
import { createOnOwnSubnet, EGRESS_FALLBACK_RANGE, routesOf } from '../../src/core/engine/egress-subnet';
import { parseCidr, overlaps, type Cidr } from '../../src/core/engine/network-subnets';
import { TEST_BASE_IMAGE, ensureTestBaseImage } from '../helpers/busybox-image';
import { rawDocker } from '../helpers/raw-docker';
import { skipWithoutDocker } from '../helpers/docker-available';

/*
 * A host with ~30 bridges leaves the engine no default address pool, and it then refuses every new
 * egress bridge (no bottle of a new state root could start). The bridge then takes a /24 of ours:
 * made on the real engine here, clear of this host's routes and the engine's networks, and usable.
 */

const made: string[] = [];
afterAll(async () => {
  for (const id of made) await rawDocker().getNetwork(id).remove();
});

describe.skipIf(skipWithoutDocker)('an egress bridge on a subnet of ours', () => {
  it('is made on a free /24 of 10.214/16, clear of the host’s routes, and a container runs on it', async () => {
    const { docker } = connectDocker();
    await ensureTestBaseImage(rawDocker());
    const routes = routesOf(await readFile('/proc/net/route', 'utf8'));
    const name = `claude-bottle-test-egress-${randomBytes(4).toString('hex')}`;
    await createOnOwnSubnet(docker, { Name: name, Driver: 'bridge', Labels: { 'claude-bottle.test': 'egress-own-subnet' } }, name);
    const network = await rawDocker().getNetwork(name).inspect();
    made.push(network.Id);
    const subnet = parseCidr(network.IPAM?.Config?.[0]?.Subnet ?? '') as Cidr;
    expect(subnet.prefix).toBe(24);
    expect(overlaps(subnet, parseCidr(EGRESS_FALLBACK_RANGE) as Cidr)).toBe(true);
    expect(routes.filter((route) => overlaps(route, subnet))).toEqual([]);
    const container = await rawDocker().createContainer({
      Image: TEST_BASE_IMAGE,
      Cmd: ['sh', '-c', 'ip -4 addr show eth0 | grep -q "inet 10.214."'],
      Labels: { 'claude-bottle.test': 'egress-own-subnet' },
      HostConfig: { NetworkMode: name, AutoRemove: false },
    });
    try {
      await container.start();
      expect((await container.wait()).StatusCode).toBe(0);
    } finally {
      await container.remove({ force: true });
    }
  });
});
