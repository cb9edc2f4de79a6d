import { createServer, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/create-core';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { bottleNetworkName } from '../../src/core/engine/bottle-networks';
import { EngineContainer } from '../../src/core/engine/engine-client';
import { egressNetworkName, gatewayContainerName } from '../../src/core/engine/gateway-container';
import { GatewayControl } from '../../src/core/engine/gateway-control';
import { addBottleNetworkRule, setBottleNetworkMode } from '../../src/core/state/bottle-network';
import { settingsPath } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { removeTestNetworksAfterEach } from '../helpers/network-cleanup';
import { ensureTestNodeBaseImage, TEST_NODE_BASE_IMAGE } from '../helpers/node-base-image';
import { rawDocker } from '../helpers/raw-docker';

/*
 * Issue 19's pieces joined on the real engine: the REAL gateway program (out/gateway/gateway.cjs,
 * built by the suite's global setup) runs as the gateway container's main process, the core
 * reaches its control socket through one `docker exec -i` (GatewayControl), and a bottle on its own
 * network gets through it to an allowed server and nowhere else. The "outside" is an HTTP server
 * of this test on the host, reached by the gateway at the egress bridge's host address: a private
 * address, so only an exact-address rule opens it.
 */

const env = useBottleTestEnv();
removeTestNetworksAfterEach();
const docker = rawDocker();
let outside: Server | null = null;

beforeAll(async () => {
  await ensureTestNodeBaseImage(docker);
}, 120_000);

beforeEach(async () => {
  await writeFile(settingsPath(), JSON.stringify({ gatewayNetwork: true, gatewayBaseImage: TEST_NODE_BASE_IMAGE }));
});

afterEach(() => {
  outside?.close();
  outside = null;
});

async function serveOutside(): Promise<number> {
  const server = createServer((_request, response) => response.end('hello from the outside\n'));
  outside = server;
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return (server.address() as { port: number }).port;
}

/** What busybox wget in the bottle reads from a URL through its proxy (its environment names it). */
async function fetchInBottle(identity: string, url: string): Promise<string> {
  return (await execIn(await bottleContainer(identity), ['sh', '-c', `wget -q -O - '${url}' 2>&1; echo "exit=$?"`])).output;
}

/** A raw request to the proxy, so the refusal's body can be read (wget does not print it). */
async function rawThroughProxy(identity: string, proxy: string, target: string): Promise<string> {
  const script = `printf 'GET http://${target}/ HTTP/1.1\\r\\nHost: ${target}\\r\\nConnection: close\\r\\n\\r\\n' | nc -w 5 ${proxy} 3128`;
  return (await execIn(await bottleContainer(identity), ['sh', '-c', script])).output;
}

describe.skipIf(skipWithoutDocker)('the gateway program in its container (issue 19)', () => {
  it('the core drives the real gateway over an exec stream from network.json; an allowed server answers the bottle, anything else is refused with a readable reason', async () => {
    const core = createCore({ deps: createCoreDeps() });
    const identity = (await core.bottles.start({ agent: 'scripted', cwd: env.project(), copy: true })).identity;
    const bottleIp =
      (await (await bottleContainer(identity)).inspect()).NetworkSettings.Networks[bottleNetworkName(identity)]?.IPAddress ?? '';
    const gateway = await docker.getContainer(gatewayContainerName()).inspect();
    const gatewayIp = gateway.NetworkSettings.Networks[bottleNetworkName(identity)]?.IPAddress ?? '';
    const hostIp = (await docker.getNetwork(egressNetworkName()).inspect()).IPAM?.Config?.[0]?.Gateway ?? '';
    expect(bottleIp).toMatch(/^10\.213\./);
    expect(hostIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const port = await serveOutside();

    const messages: Array<Record<string, unknown>> = [];
    const control = await GatewayControl.open(new EngineContainer(docker.getContainer(gateway.Id)), {
      message: (message) => messages.push(message as Record<string, unknown>),
      badLine: (reason) => messages.push({ type: 'bad-line', reason }),
      closed: () => undefined,
    });
    try {
      await eventually(async () => expect(messages.some((message) => message.type === 'ready')).toBe(true));

      // Not allowed yet: the host's address is private, and no rule names it.
      expect(await fetchInBottle(identity, `http://${hostIp}:${port}/`)).not.toContain('hello from the outside');

      // The operator's exact-address rule for this bottle, and the locked mode, in its network.json;
      // the core's gateway service pushes the bottle's table and rules from there.
      await setBottleNetworkMode(identity, 'locked');
      await addBottleNetworkRule(identity, 'allow', `${hostIp}:${port}`);
      core.network.bottleChanged(identity);
      await eventually(async () => expect(await fetchInBottle(identity, `http://${hostIp}:${port}/`)).toContain('hello from the outside'));

      // Locked: another port of the same host is refused at once, with the way to allow it.
      const refused = await rawThroughProxy(identity, gatewayIp, `${hostIp}:${port + 1}`);
      expect(refused).toContain('403');
      expect(refused).toContain('claude-bottle gateway');
      expect(await fetchInBottle(identity, `http://${hostIp}:${port + 1}/`)).not.toContain('exit=0');

      // Every attempt is on the record, with its bottle and its decision.
      await eventually(async () => {
        const records = messages.filter((message) => message.type === 'connection' && message.identity === identity);
        expect(records.some((record) => record.event === 'end' && record.port === port && Number(record.bytesDown) > 0)).toBe(true);
        expect(records.some((record) => record.event === 'refused' && record.port === port + 1)).toBe(true);
      });
    } finally {
      control.close();
      await core.close();
    }
    // The stream closed, the gateway keeps serving the bottle on its last tables.
    expect(await fetchInBottle(identity, `http://${hostIp}:${port}/`)).toContain('hello from the outside');
  }, 180_000);
});
