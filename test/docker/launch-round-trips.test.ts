import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { bottleNetworkFromInfo, bottleNetworkName } from '../../src/core/engine/bottle-networks';
import type { EngineContainer, EngineImage } from '../../src/core/engine/engine-client';
import type { EngineNetwork } from '../../src/core/engine/engine-network';
import { gatewayContainerName } from '../../src/core/engine/gateway-container';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { skipWithoutDocker } from '../helpers/docker-available';
import { writeGatewayStandIn } from '../helpers/gateway-stand-in';
import { execIn } from '../helpers/docker-exec';
import { rawDocker } from '../helpers/raw-docker';
import { TEST_TRANSCRIPT_DIR } from '../helpers/test-agents';
import { service } from '../helpers/test-service';

/*
 * Issue 23: a launch does not wait for the gateway to join the bottle's network (a network connect,
 * ~100 ms on the engine) before it creates and fills the container: the container can be made on
 * the network meanwhile, and only its start waits for the join. Proven on the real engine by holding
 * the join until the container exists: a launch that joined first never creates it while held.
 * And it asks the engine about the agent's image once, and reads what it needs from this machine
 * (secrets, the CA, the bottle's Dockerfile, the git walls) while the engine makes the network. A
 * resume's transcript goes straight into the container's layer on a local engine, not through the
 * engine's archive API. The gateway runs the STAND-IN program
 * (test/helpers/gateway-stand-in.ts).
 */

const env = useBottleTestEnv();

beforeEach(async () => {
  process.env.CLAUDE_BOTTLE_GATEWAY_PROGRAM = await writeGatewayStandIn(env.home());
});

afterEach(() => {
  delete process.env.CLAUDE_BOTTLE_GATEWAY_PROGRAM;
});

/**
 * Holds every network join until the bottle's container is created. A launch that joins before it
 * creates would wait forever; after HOLD_LIMIT_MS the join goes on so such a launch ends, and the
 * order it recorded fails the test instead of a hang (the order is the assertion, not a time).
 */
const HOLD_LIMIT_MS = 20_000;

describe.skipIf(skipWithoutDocker)('launch round trips: the gateway join overlapped, the image asked once (issue 23)', () => {
  it("creates and fills the container while the gateway joins the bottle's network, and starts it only once joined", async () => {
    const ctx = createCoreDeps();
    const client = ctx.engines.current().connection.docker;
    const order: string[] = [];
    let created: () => void = () => undefined;
    const containerCreated = new Promise<void>((resolve) => {
      created = resolve;
    });
    let limit: NodeJS.Timeout | undefined;
    const held = Promise.race([containerCreated, new Promise<void>((resolve) => (limit = setTimeout(resolve, HOLD_LIMIT_MS)))]);

    const createContainer = client.createContainer.bind(client);
    client.createContainer = async (options): Promise<EngineContainer> => {
      const container = await createContainer(options);
      if (options.name?.startsWith('claude-bottle-scripted-') !== true) return container;
      // Made again when the image's users were not known yet (launch.ts): the first one counts.
      if (!order.includes('created')) order.push('created');
      created();
      const start = container.start.bind(container);
      container.start = async (): Promise<void> => {
        order.push('started');
        await start();
      };
      return container;
    };
    const getNetwork = client.getNetwork.bind(client);
    client.getNetwork = (id: string): EngineNetwork => {
      const network = getNetwork(id);
      const connect = network.connect.bind(network);
      network.connect = async (...args: Parameters<EngineNetwork['connect']>): Promise<void> => {
        order.push('join asked');
        await held;
        await connect(...args);
        order.push('joined');
      };
      return network;
    };

    try {
      const { identity } = await service(ctx).start({ agent: 'scripted', cwd: env.project(), copy: false });
      expect(order).toEqual(['join asked', 'created', 'joined', 'started']);
      // The join itself is as before: the gateway on the bottle's network at its `.2`, the bottle running.
      const network = bottleNetworkFromInfo(await client.getNetwork(bottleNetworkName(identity)).inspect());
      const gateway = await rawDocker().getContainer(gatewayContainerName()).inspect();
      expect(gateway.NetworkSettings.Networks[bottleNetworkName(identity)]?.IPAddress).toBe(network?.gatewayIp);
      const bottle = await rawDocker().getContainer(`claude-bottle-${identity}`).inspect();
      expect(bottle.State.Running).toBe(true);
    } finally {
      clearTimeout(limit);
    }
  }, 120_000);

  it("inspects the agent's image once per start when it is there already", async () => {
    const ctx = createCoreDeps();
    // The first start builds the image when this engine has none yet.
    await service(ctx).start({ agent: 'scripted', cwd: env.project(), copy: false });
    const client = ctx.engines.current().connection.docker;
    const inspected: string[] = [];
    const getImage = client.getImage.bind(client);
    client.getImage = (name: string): EngineImage => {
      const image = getImage(name);
      const inspect = image.inspect.bind(image);
      image.inspect = async (): ReturnType<EngineImage['inspect']> => {
        if (name.startsWith('claude-bottle-agent-scripted:')) inspected.push(name);
        return inspect();
      };
      return image;
    };
    const { identity } = await service(ctx).start({ agent: 'scripted', cwd: env.project(), copy: false });
    expect(inspected).toHaveLength(1);
    expect((await rawDocker().getContainer(`claude-bottle-${identity}`).inspect()).Config.Image).toBe(inspected[0]);
  }, 120_000);

  it("reads the launch's facts from this machine while the engine makes the bottle's network", async () => {
    const ctx = createCoreDeps();
    const client = ctx.engines.current().connection.docker;
    const order: string[] = [];
    const createNetwork = client.createNetwork.bind(client);
    client.createNetwork = async (options): Promise<EngineNetwork> => {
      const identity = options.Name.startsWith('claude-bottle-net-') ? options.Name.slice('claude-bottle-net-'.length) : null;
      if (identity !== null) {
        order.push('network asked');
        // The bottle's Dockerfile is the last fact written (prepareRunFolder): a launch that reads
        // its facts only once the network exists never writes it while the creation is held. The
        // hold ends at HOLD_LIMIT_MS so such a launch ends, and the order fails the test, not a hang.
        const dockerfile = bottlePaths(identity).runDockerfile;
        for (let waited = 0; waited < HOLD_LIMIT_MS && !existsSync(dockerfile); waited += 20) await sleep(20);
        order.push(existsSync(dockerfile) ? 'facts read' : 'facts not read while held');
      }
      const made = await createNetwork(options);
      if (identity !== null) order.push('network made');
      return made;
    };
    const { identity } = await service(ctx).start({ agent: 'scripted', cwd: env.project(), copy: false });
    expect(order).toEqual(['network asked', 'facts read', 'network made']);
    const bottle = await rawDocker().getContainer(`claude-bottle-${identity}`).inspect();
    expect(bottle.State.Running).toBe(true);
    expect(Object.keys(bottle.NetworkSettings.Networks)).toEqual([bottleNetworkName(identity)]);
  }, 120_000);

  it.skipIf(process.getuid?.() !== 0)(
    "puts a resume's transcript into the container's layer, not through the engine's archive API (skipped unless root: the layer is root's)",
    async () => {
      const ctx = createCoreDeps();
      const { identity } = await service(ctx).start({ agent: 'scripted', cwd: env.project(), copy: false });
      await service(ctx).stop(identity);
      const blob = randomBytes(2 * 1024 * 1024);
      await writeFile(`${bottlePaths(identity).transcript}/blob`, blob);
      const client = ctx.engines.current().connection.docker;
      let sent = 0;
      const createContainer = client.createContainer.bind(client);
      client.createContainer = async (options): Promise<EngineContainer> => {
        const container = await createContainer(options);
        const putArchive = container.putArchive.bind(container);
        container.putArchive = async (tar, path): Promise<void> => {
          const counted = new Transform({
            transform(chunk: Buffer, _encoding, done): void {
              sent += chunk.length;
              done(null, chunk);
            },
          });
          await putArchive((tar as Readable).pipe(counted), path);
        };
        return container;
      };
      await service(ctx).resume(identity);
      // The login files, the CA and the hooks still go through the API: a few KB, never the 2 MB transcript.
      expect(sent).toBeLessThan(blob.length);
      const bottle = rawDocker().getContainer(`claude-bottle-${identity}`);
      const { output } = await execIn(
        bottle,
        ['sh', '-c', `md5sum < ${TEST_TRANSCRIPT_DIR}/blob | cut -c1-32; stat -c %u ${TEST_TRANSCRIPT_DIR}/blob`],
        '0',
      );
      expect(output.trim().split('\n')).toEqual([createHash('md5').update(blob).digest('hex'), expect.stringMatching(/^\d+$/)]);
    },
    120_000,
  );

  it("lists the engine's networks once per network creation attempt, and the join asks nothing more of the gateway", async () => {
    const ctx = createCoreDeps();
    // The first start makes the gateway; the second is the one counted, as every later start.
    await service(ctx).start({ agent: 'scripted', cwd: env.project(), copy: false });
    const client = ctx.engines.current().connection.docker;
    const asked: string[] = [];
    const listNetworks = client.listNetworks.bind(client);
    client.listNetworks = async (options): ReturnType<typeof client.listNetworks> => {
      asked.push(`list ${JSON.stringify(options ?? {})}`);
      return listNetworks(options);
    };
    const getContainer = client.getContainer.bind(client);
    client.getContainer = (id: string): EngineContainer => {
      const container = getContainer(id);
      if (id !== gatewayContainerName()) return container;
      const inspect = container.inspect.bind(container);
      container.inspect = async (): ReturnType<EngineContainer['inspect']> => {
        asked.push('inspect gateway');
        return inspect();
      };
      return container;
    };
    const { identity } = await service(ctx).start({ agent: 'scripted', cwd: env.project(), copy: false });
    const name = bottleNetworkName(identity);
    // The bottle's network: one whole listing before its creation (its name and the subnets taken),
    // one to read it back; the egress bridge's and the gateway's own look at its networks; the
    // gateway inspected by ensureGateway and by the opening of its control stream (engine-gateway.ts),
    // not again by the join, which uses ensureGateway's answer.
    expect(asked.filter((entry) => entry === 'list {}')).toHaveLength(2);
    expect(asked.filter((entry) => entry.includes(name))).toEqual([]);
    expect(asked.filter((entry) => entry === 'inspect gateway')).toHaveLength(2);
    const bottle = await rawDocker().getContainer(`claude-bottle-${identity}`).inspect();
    expect(bottle.State.Running).toBe(true);
  }, 120_000);
});
