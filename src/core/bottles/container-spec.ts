import { join } from 'node:path';
import type { AgentConfig } from '../agents/agents';
import type { ContainerCreateOptions, MountSettings } from '../engine/engine-client';
import { bottleLabels, LABEL_SECRETS_FROM_ENVIRONMENT } from '../engine/bottle-containers';
import { RUN_MOUNT, TOOL_MOUNT, WORKSPACE } from '../engine/bottle-mounts';
import { GATEWAY_PORT } from '../engine/gateway-container';
import { bottlePaths, containerName } from '../state/state-paths';
import type { GitControlMount } from './git-control-mounts';

/** Resource limits: generous for an agent, but a runaway fork bomb or leak cannot take the host. */
export const BOTTLE_LIMITS = { pids: 2048, memoryBytes: 8 * 1024 ** 3 };

export interface ContainerPlan {
  identity: string;
  agentName: string;
  agent: AgentConfig;
  image: string;
  /** The image's own PATH, so the in-bottle tool can be appended to it. */
  imagePath: string | null;
  command: string[];
  /** Docker `User`: the agent's user, or the project folder owner's uid:gid in mount mode. */
  user: string | null;
  home: string | null;
  /** Bind-mounted at /workspace in mount mode; null in copy mode. */
  mountCwd: string | null;
  /** Mount mode: the repository's control files kept read-only (gitControlMounts, read once per launch). */
  gitControl: GitControlMount[];
  toolDir: string;
  /**
   * The engine shares this machine's filesystem: the in-bottle tool, the inbox and the bottle's
   * Dockerfile are bind-mounted. On a remote engine nothing of this machine is mounted: they are
   * put into the container before it starts, and the inbox is read through the engine's API.
   */
  hostMounts: boolean;
  /** NAME=value pairs passed through from the host; values are never logged or stored. */
  passthroughEnv: string[];
  /** CPU and log limits of this launch (settings.json and the engine's CPU count). */
  limits: ContainerLimits;
  /** NAME=value pairs the launch adds (an agent's rootEnv when it runs as uid 0); never secrets. */
  extraEnv?: string[];
  /** Declared secret variables held in the bottle because the launching shell passed them: names, for Inspect. */
  secretsFromEnvironment?: string[];
  /** The bottle's own network and its gateway (settings.json `gatewayNetwork`); null: the engine's default network. */
  route?: GatewayRoute | null;
}

/** Where a bottle sits on its own network, and where its one way out (the gateway's proxy) is. */
export interface GatewayRoute {
  network: string;
  bottleIp: string;
  gatewayIp: string;
}

export interface ContainerLimits {
  cpus: number;
  /** json-file rotation: size of one log file (e.g. "10m") and how many are kept. */
  logMaxSize: string;
  logMaxFiles: number;
}

/**
 * Mount mode: the project folder, writable, and over it its repository's control files read-only
 * (git-control-mounts.ts), so the agent can commit but not configure or hook the operator's git.
 */
function projectMounts(
  cwd: string,
  gitControl: GitControlMount[],
  bind: (source: string, target: string, readOnly: boolean) => MountSettings,
): MountSettings[] {
  const control = gitControl.map((mount) => bind(join(cwd, ...mount.path.split('/')), `${WORKSPACE}/${mount.path}`, mount.readOnly));
  return [bind(cwd, WORKSPACE, false), ...control];
}

/**
 * A bottle on its own network (issue 19): there at a fixed address, with IPv6 off (the bridge's
 * link-local address must be no way in either), and told to reach everything through the gateway's
 * proxy by address (it has no DNS of its own: names are the gateway's to resolve). Nothing here sets
 * `Dns`: on a user-defined network resolv.conf always names the engine's embedded resolver, which
 * cannot forward a query from a network with no route, and `Dns` only changes where it would forward.
 */
const PROXY_NAMES: ReadonlySet<string> = new Set(['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY', 'no_proxy']);

function routeSettings(route: GatewayRoute): {
  env: string[];
  host: ContainerCreateOptions['HostConfig'];
  networking: ContainerCreateOptions['NetworkingConfig'];
} {
  const proxy = `http://${route.gatewayIp}:${GATEWAY_PORT}`;
  const noProxy = 'localhost,127.0.0.1';
  return {
    env: [
      `HTTP_PROXY=${proxy}`,
      `HTTPS_PROXY=${proxy}`,
      `http_proxy=${proxy}`,
      `https_proxy=${proxy}`,
      `NO_PROXY=${noProxy}`,
      `no_proxy=${noProxy}`,
    ],
    host: { NetworkMode: route.network, Sysctls: { 'net.ipv6.conf.all.disable_ipv6': '1' } },
    networking: { EndpointsConfig: { [route.network]: { IPAMConfig: { IPv4Address: route.bottleIp } } } },
  };
}

/**
 * The container for one launch, hardened by default (DESIGN.md §3): no privileges, all
 * capabilities dropped, no-new-privileges, pid, memory and CPU limits, rotated logs, no Docker
 * socket, and no host path but the project folder and the bottle's own supervision paths.
 */
export function containerCreateOptions(plan: ContainerPlan): ContainerCreateOptions {
  const paths = bottlePaths(plan.identity);
  // Mounts rather than "src:dst" bind strings: a path with a colon in it stays a path.
  const bind = (source: string, target: string, readOnly: boolean): MountSettings => ({
    Type: 'bind',
    Source: source,
    Target: target,
    ReadOnly: readOnly,
  });
  const mounts = !plan.hostMounts
    ? []
    : [
        ...(plan.mountCwd === null ? [] : projectMounts(plan.mountCwd, plan.gitControl, bind)),
        bind(plan.toolDir, TOOL_MOUNT, true),
        bind(paths.inbox, `${RUN_MOUNT}/inbox`, false),
        bind(paths.runDockerfile, `${RUN_MOUNT}/Dockerfile`, true),
      ];
  const basePath = plan.imagePath ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  const env = [
    `CLAUDE_BOTTLE_IDENTITY=${plan.identity}`,
    `PATH=${basePath.split(':').includes(`${TOOL_MOUNT}/bin`) ? basePath : `${basePath}:${TOOL_MOUNT}/bin`}`,
    ...(plan.home === null ? [] : [`HOME=${plan.home}`]),
    ...plan.passthroughEnv,
    ...(plan.extraEnv ?? []),
  ];
  const route = plan.route == null ? null : routeSettings(plan.route);
  return {
    name: containerName(plan.identity),
    Image: plan.image,
    Cmd: plan.command,
    ...(plan.user === null ? {} : { User: plan.user }),
    WorkingDir: plan.agent.workdir,
    // The route's proxy variables win over any the agent passes through: they are its only way out.
    Env: route === null ? env : [...env.filter((entry) => !PROXY_NAMES.has(entry.split('=')[0] ?? '')), ...route.env],
    Labels: {
      ...bottleLabels(plan.identity, plan.agentName),
      ...(plan.secretsFromEnvironment?.length ? { [LABEL_SECRETS_FROM_ENVIRONMENT]: plan.secretsFromEnvironment.join(',') } : {}),
    },
    Tty: true,
    OpenStdin: true,
    StdinOnce: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: {
      Mounts: mounts,
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: [],
      SecurityOpt: ['no-new-privileges:true'],
      PidsLimit: BOTTLE_LIMITS.pids,
      Memory: BOTTLE_LIMITS.memoryBytes,
      NanoCpus: Math.round(plan.limits.cpus * 1e9),
      // A chatty agent must not fill the engine's disk with its output: rotated, a few files kept.
      LogConfig: { Type: 'json-file', Config: { 'max-size': plan.limits.logMaxSize, 'max-file': String(plan.limits.logMaxFiles) } },
      AutoRemove: false,
      Init: true,
      RestartPolicy: { Name: 'no' },
      ...route?.host,
    },
    ...(route === null ? {} : { NetworkingConfig: route.networking }),
  };
}

/** Host values for the agent's `env` names; names unset on the host are left out. */
export function passthroughEnv(names: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  return names.filter((name) => env[name] !== undefined).map((name) => `${name}=${env[name] ?? ''}`);
}
