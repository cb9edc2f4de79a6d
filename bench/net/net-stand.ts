import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../../src/core/create-core';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { findBottleContainer } from '../../src/core/engine/bottle-containers';
import { gatewayContainerName } from '../../src/core/engine/gateway-container';
import { instanceId } from '../../src/core/state/instance-id';
import { settingsPath } from '../../src/core/state/state-paths';
import { ensureTestNodeBaseImage, TEST_NODE_BASE_IMAGE } from '../../test/helpers/node-base-image';
import { removeInstanceObjects } from '../../test/helpers/instance-cleanup';
import { rawDocker } from '../../test/helpers/raw-docker';
import { ROOT, docker } from '../bench-lib';

/*
 * What `npm run bench net` measures on, all containers of ours on this machine (no network beyond
 * it): an "outside" server in a container on a bridge of its own, published on that bridge's host
 * address in public space (so the gateway's policy treats it as the internet, not as a private
 * address); a bottle of a live core with the gateway on; and clients run by node in containers,
 * one in the bottle's network namespace (its address, its route: through its gateway), one on a
 * plain bridge with a direct route to the outside. Each client times itself, so container start-up
 * is not in the figures.
 */

/** A subnet of public space no other test uses; its `.1` is on the host while the bridge exists. */
const OUTSIDE_SUBNET = '11.213.79.0/29';
export const OUTSIDE_HOST = '11.213.79.1';
/** The direct path's plain bridge, routed to the outside as any bridge is. */
const DIRECT_SUBNET = '11.213.80.0/29';
const LABEL = 'claude-bottle.bench';
const CLIENT = join(ROOT, 'bench', 'net', 'net-client.cjs');
const SERVER = join(ROOT, 'bench', 'net', 'net-server.cjs');

export interface NetStand {
  core: Core;
  identity: string;
  /** The bottle's proxy URL (its HTTP_PROXY). */
  proxy: string;
  httpPort: number;
  httpsPort: number;
  /** Runs the client in the bottle's network namespace (gateway) or on the direct bridge; its JSON line. */
  client(path: 'gateway' | 'direct', args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

async function publishedPort(container: string, port: number): Promise<number> {
  const line = (await docker(['port', container, `${port}/tcp`])).trim().split('\n')[0] ?? '';
  return Number(line.slice(line.lastIndexOf(':') + 1));
}

/** Sets the stand up in the bench's own CLAUDE_BOTTLE_HOME; close() takes down all it made. */
export async function createNetStand(project: string): Promise<NetStand> {
  const suffix = instanceId().slice(0, 12);
  const names = { outside: `claude-bottle-bench-outside-${suffix}`, direct: `claude-bottle-bench-direct-${suffix}` };
  const certs = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-certs-'));
  let core: Core | null = null;
  const settings = await readFile(settingsPath(), 'utf8').catch(() => null);
  const close = async (): Promise<void> => {
    await core?.close();
    if (settings === null) await rm(settingsPath(), { force: true });
    else await writeFile(settingsPath(), settings);
    await docker(['rm', '-f', names.outside]).catch(() => undefined);
    for (const network of [names.outside, names.direct]) await docker(['network', 'rm', network]).catch(() => undefined);
    await removeInstanceObjects(rawDocker(), instanceId());
    await rm(certs, { recursive: true, force: true });
  };
  try {
    await ensureTestNodeBaseImage(rawDocker());
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=outside',
        '-keyout',
        `${certs}/key.pem`,
        '-out',
        `${certs}/cert.pem`,
      ],
      { stdio: 'ignore' },
    );
    // The server runs as nobody and reads them through a bind mount.
    await chmod(certs, 0o755);
    for (const file of ['key.pem', 'cert.pem']) await chmod(join(certs, file), 0o644);
    await docker(['network', 'create', '--subnet', OUTSIDE_SUBNET, '--gateway', OUTSIDE_HOST, '--label', `${LABEL}=true`, names.outside]);
    // Its own subnet: a host with ~30 bridges has no default pool left for it.
    await docker(['network', 'create', '--subnet', DIRECT_SUBNET, '--label', `${LABEL}=true`, names.direct]);
    await docker([
      'run',
      '-d',
      '--name',
      names.outside,
      '--label',
      `${LABEL}=true`,
      '--network',
      names.outside,
      '-p',
      `${OUTSIDE_HOST}::8080`,
      '-p',
      `${OUTSIDE_HOST}::8443`,
      '-v',
      `${SERVER}:/server.cjs:ro`,
      '-v',
      `${certs}:/certs:ro`,
      TEST_NODE_BASE_IMAGE,
      'node',
      '/server.cjs',
    ]);
    const httpPort = await publishedPort(names.outside, 8080);
    const httpsPort = await publishedPort(names.outside, 8443);

    // The gateway on, built FROM the test's node base (no registry here), for this run only.
    const base = settings === null ? {} : (JSON.parse(settings) as object);
    await writeFile(settingsPath(), JSON.stringify({ ...base, gatewayNetwork: true, gatewayBaseImage: TEST_NODE_BASE_IMAGE }));
    const live = createCore({ deps: createCoreDeps(), live: true });
    core = live;
    const { identity } = await live.bottles.start({ agent: 'scripted', cwd: project, copy: true });
    for (const port of [httpPort, httpsPort]) await live.network.addRule(identity, 'allow', `${OUTSIDE_HOST}:${port}`, false);
    const bottle = await findBottleContainer(createCoreDeps().docker, identity);
    if (bottle === null) throw new Error(`no container for the bench bottle ${identity}`);
    const env = (await rawDocker().getContainer(bottle.Id).inspect()).Config.Env;
    const proxy = env.find((entry) => entry.startsWith('HTTP_PROXY='))?.slice('HTTP_PROXY='.length);
    if (proxy === undefined) throw new Error('the bench bottle has no HTTP_PROXY: is the gateway on?');
    const client = async (path: 'gateway' | 'direct', args: string[]): Promise<unknown> => {
      const network = path === 'gateway' ? `container:${bottle.Id}` : names.direct;
      const out = await docker([
        'run',
        '--rm',
        '--label',
        `${LABEL}=true`,
        '--network',
        network,
        '-v',
        `${CLIENT}:/client.cjs:ro`,
        TEST_NODE_BASE_IMAGE,
        'node',
        '/client.cjs',
        ...args,
      ]);
      return JSON.parse(out.trim().split('\n').pop() ?? 'null') as unknown;
    };
    return { core: live, identity, proxy, httpPort, httpsPort, client, close };
  } catch (error: unknown) {
    await close();
    throw error;
  }
}

/**
 * CPU seconds the gateway container has used so far (the engine's one-shot stats): a transfer's cost
 * to the gateway, steadier than its wall time on a busy machine.
 */
export async function gatewayCpuSeconds(): Promise<number> {
  const stats = (await rawDocker()
    .getContainer(gatewayContainerName())
    .stats({ stream: false, 'one-shot': true } as never)) as unknown as { cpu_stats: { cpu_usage: { total_usage: number } } };
  return stats.cpu_stats.cpu_usage.total_usage / 1e9;
}

/** The gateway container's memory (MiB) and CPU (% of one core) as `docker stats` sees them now. */
export async function gatewayStats(): Promise<{ memoryMiB: number; cpuPercent: number }> {
  const out = await docker(['stats', '--no-stream', '--format', '{{.MemUsage}}|{{.CPUPerc}}', gatewayContainerName()]);
  const [memory = '', cpu = ''] = out.trim().split('|');
  const match = /^([\d.]+)\s*([KMG]i?B)/.exec(memory);
  const scale: Record<string, number> = { KiB: 1 / 1024, MiB: 1, GiB: 1024, kB: 1 / 1024, MB: 1, GB: 1024 };
  return { memoryMiB: match === null ? NaN : Number(match[1]) * (scale[match[2] ?? 'MiB'] ?? 1), cpuPercent: Number.parseFloat(cpu) };
}
