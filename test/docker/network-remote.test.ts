import type Docker from 'dockerode';
import { writeFile } from 'node:fs/promises';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core/create-core';
import { findBottleContainer } from '../../src/core/engine/bottle-containers';
import { bottleNetworkName } from '../../src/core/engine/bottle-networks';
import { connectDocker } from '../../src/core/engine/docker-client';
import { gatewayContainerName } from '../../src/core/engine/gateway-container';
import { readNetworkLog } from '../../src/core/state/network-log';
import { settingsPath } from '../../src/core/state/state-paths';
import { CONNECT_COMMAND, SSH_CONFIG_TARGET } from '../../src/core/bottles/bottle-ssh-config';
import type { NetworkRequest } from '../../src/shared/network-policy';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { SSH_CONTEXT, TCP_CONTEXT, useEngineContexts } from '../helpers/engine-contexts';
import { removeTestNetworksAfterEach } from '../helpers/network-cleanup';
import { ensureTestNodeBaseImage, TEST_NODE_BASE_IMAGE } from '../helpers/node-base-image';
import { writeNetToolsAgent } from '../helpers/net-tools-agent';
import { OUTSIDE_PORTS, SSH_BANNER, startOutsideContainer, type OutsideContainer } from '../helpers/outside-container';
import { acceptWithinSecondEngineBridge, removeBridgeRulesAfterEach } from '../helpers/second-engine-bridges';
import { cannotRunSecondEngineReason, secondEngineClient, secondEngineDocker } from '../helpers/second-engine';

/*
 * Issue 19 on a remote engine: the second test engine, reached over tcp+TLS like a remote host.
 * The core builds the gateway image THERE, runs the gateway there, picks the bottle's subnet
 * against that engine's networks, and keeps its control stream over that engine's API. The outside
 * is a container on a network of its own on the same engine (test/helpers/outside-container.ts).
 */

const cannot = cannotRunSecondEngineReason();
const skip = skipWithoutDocker || (cannot !== null && process.env.CI !== 'true');
/** The outside's bridge on the second engine: public space (so `ask` may hold it), used by no other test. */
const OUTSIDE_SUBNET = '11.219.19.0/29';

const env = useBottleTestEnv();
useEngineContexts();
removeTestNetworksAfterEach();
removeBridgeRulesAfterEach();
let core: Core | null = null;

beforeAll(async () => {
  if (!skip) await ensureTestNodeBaseImage(secondEngineDocker());
}, 120_000);

beforeEach(async () => {
  await writeFile(settingsPath(), JSON.stringify({ gatewayNetwork: true, gatewayBaseImage: TEST_NODE_BASE_IMAGE }));
});

afterEach(async () => {
  await core?.close();
  core = null;
});

async function onSecond(identity: string): Promise<Docker.Container> {
  const info = await findBottleContainer(secondEngineClient(), identity);
  if (info === null) throw new Error(`no container for ${identity} on the second engine`);
  return secondEngineDocker().getContainer(info.Id);
}

/** busybox wget in the bottle, through its proxy; resolves when the connection ends, however it ends. */
async function fetchInBottle(bottle: Docker.Container, url: string): Promise<string> {
  return (await execIn(bottle, ['sh', '-c', `wget -q -O - '${url}' 2>&1; echo "exit=$?"`])).output;
}

/** A direct TCP connection from the bottle, the proxy bypassed; nc's output and exit code. */
async function directFromBottle(bottle: Docker.Container, ip: string, port: number): Promise<string> {
  const script = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${ip} ${port} 2>&1; echo "exit=$?"`;
  return (await execIn(bottle, ['sh', '-c', script])).output;
}

async function heldInView(live: Core, identity: string, outside: OutsideContainer, port: number): Promise<NetworkRequest> {
  return eventually(async () => {
    const held = (await live.bottles.view(identity))?.networkPending.find(
      (request) => request.host === outside.publicIp && request.port === port,
    );
    expect(held).toBeDefined();
    return held as NetworkRequest;
  }, 30_000);
}

describe.skipIf(skip)(`the gateway on a remote engine (issue 19)${cannot === null ? '' : ` (skipped: ${cannot})`}`, () => {
  it.each([TCP_CONTEXT, SSH_CONTEXT])(
    'over %s: a bottle reaches an allowed host only through its engine’s gateway; ask holds, an answer lets it through; the log keeps it',
    async (context) => {
      const outside = await startOutsideContainer(secondEngineDocker(), OUTSIDE_SUBNET);
      const live = createCore({ live: true });
      core = live;
      const { identity } = await live.bottles.start({ agent: 'scripted', cwd: env.project(), copy: true, context });
      const bottle = await onSecond(identity);
      // What the engine's own firewall would do there (test/helpers/second-engine-bridges.ts).
      await acceptWithinSecondEngineBridge(bottleNetworkName(identity));

      // Everything of issue 19 is on the second engine, nothing on the first.
      const gateway = await secondEngineDocker().getContainer(gatewayContainerName()).inspect();
      expect(gateway.State.Running).toBe(true);
      expect(await findBottleContainer(connectDocker().docker, identity)).toBeNull();
      await expect(connectDocker().docker.getContainer(gatewayContainerName()).inspect()).rejects.toThrow();

      // An allowed host answers through the gateway.
      const allowed = `http://${outside.publicIp}:${OUTSIDE_PORTS.http}/`;
      await live.network.addRule(identity, 'allow', `${outside.publicIp}:${OUTSIDE_PORTS.http}`, false);
      expect(await fetchInBottle(bottle, allowed)).toContain(`hello from the outside on ${OUTSIDE_PORTS.http}`);

      // The same server, dialled directly (its published address and its own), is out of reach.
      for (const ip of [outside.publicIp, outside.containerIp]) {
        const direct = await directFromBottle(bottle, ip, OUTSIDE_PORTS.http);
        expect(direct, `bottle → ${ip} directly`).not.toContain('HTTP/1.');
        expect(direct).not.toContain('exit=0');
      }

      // Ask mode: an unknown port is held, shows on the view, and the answer lets the same connection through.
      const askUrl = `http://${outside.publicIp}:${OUTSIDE_PORTS.httpAsk}/`;
      const first = fetchInBottle(bottle, askUrl);
      const held = await heldInView(live, identity, outside, OUTSIDE_PORTS.httpAsk);
      expect(held).toMatchObject({ identity, protocol: 'http' });
      await live.network.answer(identity, held.id, 'once');
      expect(await first).toContain(`hello from the outside on ${OUTSIDE_PORTS.httpAsk}`);
      // Held again and denied: it fails, with nothing from the outside.
      const second = fetchInBottle(bottle, askUrl);
      await live.network.answer(identity, (await heldInView(live, identity, outside, OUTSIDE_PORTS.httpAsk)).id, 'deny');
      expect(await second).not.toContain('hello from the outside');

      // The bottle's log holds each attempt, with who decided.
      await eventually(async () => {
        const log = await readNetworkLog(identity, 100);
        const ended = (port: number, by: string): boolean =>
          log.some((entry) => entry.event === 'end' && entry.port === port && entry.by === by && entry.bytesDown > 0);
        expect(ended(OUTSIDE_PORTS.http, 'rule')).toBe(true);
        expect(ended(OUTSIDE_PORTS.httpAsk, 'operator')).toBe(true);
        expect(log.some((entry) => entry.event === 'refused' && entry.port === OUTSIDE_PORTS.httpAsk && entry.by === 'operator')).toBe(
          true,
        );
      }, 20_000);

      // ssh's way out is there, root's and read-only; in an image with neither node nor bash the
      // connect helper says so in one line instead of hanging.
      expect((await execIn(bottle, ['stat', '-c', '%u:%g %a', SSH_CONFIG_TARGET])).output.trim()).toBe('0:0 444');
      expect((await execIn(bottle, ['cat', SSH_CONFIG_TARGET])).output).toContain(`ProxyCommand ${CONNECT_COMMAND} %h %p`);
      const noTunnel = await execIn(
        bottle,
        ['sh', '-c', `${CONNECT_COMMAND} ${outside.publicIp} ${OUTSIDE_PORTS.echo} </dev/null`],
        'agent',
      );
      expect(noTunnel.exitCode).toBe(1);
      expect(noTunnel.output).toMatch(/^claude-bottle-connect: needs node or bash in the image to open a tunnel[^\n]*\n$/);
    },
    300_000,
  );

  it('ssh and plain TCP go through the gateway by the ProxyCommand the bottle is given: refused with the reason, then allowed by a host:port rule', async () => {
    const outside = await startOutsideContainer(secondEngineDocker(), OUTSIDE_SUBNET);
    await writeNetToolsAgent('nettools');
    const live = createCore({ live: true });
    core = live;
    const { identity } = await live.bottles.start({
      agent: 'nettools',
      cwd: env.project(),
      copy: true,
      context: TCP_CONTEXT,
      net: 'locked',
    });
    const bottle = await onSecond(identity);
    await acceptWithinSecondEngineBridge(bottleNetworkName(identity));
    const asAgent = async (script: string): Promise<{ output: string; exitCode: number }> => execIn(bottle, ['sh', '-c', script], 'agent');
    const ssh = `timeout 60 ssh -v -o BatchMode=yes -o StrictHostKeyChecking=no -o ConnectTimeout=20 -p ${OUTSIDE_PORTS.ssh} agent@${outside.publicIp} true 2>&1`;
    const echo = `printf 'echo through the gateway\\n' | ${CONNECT_COMMAND} ${outside.publicIp} ${OUTSIDE_PORTS.echo} 2>&1; echo "exit=$?"`;

    // Locked, no rule: ssh runs the ProxyCommand from the system config, and the gateway refuses with its reason.
    const refused = await asAgent(ssh);
    expect(refused.output).toContain(`Reading configuration data ${SSH_CONFIG_TARGET}`);
    expect(refused.output).toContain(`Executing proxy command: exec ${CONNECT_COMMAND} ${outside.publicIp} ${OUTSIDE_PORTS.ssh}`);
    expect(refused.output).toContain(
      `claude-bottle-connect: claude-bottle gateway: ${outside.publicIp}:${OUTSIDE_PORTS.ssh} is not allowed for this bottle`,
    );
    expect(refused.output).toContain(`claude-bottle allow ${identity} ${outside.publicIp}:${OUTSIDE_PORTS.ssh}`);
    expect(refused.output).not.toContain('remote software version');
    const echoRefused = await asAgent(echo);
    expect(echoRefused.output).toContain(`${outside.publicIp}:${OUTSIDE_PORTS.echo} is not allowed for this bottle`);
    expect(echoRefused.output).toContain('exit=1');

    // A host:22 rule: ssh reaches the outside's server through the gateway and reads its banner.
    await live.network.addRule(identity, 'allow', `${outside.publicIp}:${OUTSIDE_PORTS.ssh}`, false);
    const reached = await asAgent(ssh);
    expect(reached.output).toContain(`remote software version ${SSH_BANNER.split(' ')[0]?.replace('SSH-2.0-', '')}`);
    // Plain TCP to an allowed host:port: the echo comes back through the same kind of tunnel.
    await live.network.addRule(identity, 'allow', `${outside.publicIp}:${OUTSIDE_PORTS.echo}`, false);
    const echoed = await asAgent(echo);
    expect(echoed.output).toBe('echo through the gateway\nexit=0\n');

    // The gateway kept each: refused, then passed as CONNECT tunnels.
    await eventually(async () => {
      const log = await readNetworkLog(identity, 100);
      for (const port of [OUTSIDE_PORTS.ssh, OUTSIDE_PORTS.echo]) {
        expect(log.some((entry) => entry.event === 'refused' && entry.port === port && entry.by === 'mode')).toBe(true);
        expect(
          log.some((entry) => entry.event === 'end' && entry.port === port && entry.protocol === 'connect' && entry.by === 'rule'),
        ).toBe(true);
      }
    }, 20_000);
  }, 300_000);

  it('in an image with bash and no node, the ProxyCommand tunnels with bash: refused with the reason, then ssh reaches the allowed host', async () => {
    const outside = await startOutsideContainer(secondEngineDocker(), OUTSIDE_SUBNET);
    await writeNetToolsAgent('nettools-bash', 'bash');
    const live = createCore({ live: true });
    core = live;
    const { identity } = await live.bottles.start({
      agent: 'nettools-bash',
      cwd: env.project(),
      copy: true,
      context: TCP_CONTEXT,
      net: 'locked',
    });
    const bottle = await onSecond(identity);
    await acceptWithinSecondEngineBridge(bottleNetworkName(identity));
    const asAgent = async (script: string): Promise<string> => (await execIn(bottle, ['sh', '-c', script], 'agent')).output;
    expect(await asAgent('command -v node; command -v bash')).toBe('/usr/bin/bash\n');
    const ssh = `timeout 60 ssh -v -o BatchMode=yes -o StrictHostKeyChecking=no -o ConnectTimeout=20 -p ${OUTSIDE_PORTS.ssh} agent@${outside.publicIp} true 2>&1`;

    const refused = await asAgent(ssh);
    expect(refused).toContain(
      `claude-bottle-connect: claude-bottle gateway: ${outside.publicIp}:${OUTSIDE_PORTS.ssh} is not allowed for this bottle`,
    );
    expect(refused).not.toContain('remote software version');
    await live.network.addRule(identity, 'allow', `${outside.publicIp}:${OUTSIDE_PORTS.ssh}`, false);
    expect(await asAgent(ssh)).toContain('remote software version OpenSSH_9.2');
  }, 300_000);
});
