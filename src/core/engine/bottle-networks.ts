import { createHash } from 'node:crypto';
import { parseIdentity } from '../../shared/identity';
import { BottleError } from '../base/bottle-error';
import { instanceId } from '../state/instance-id';
import { LABEL_IDENTITY, LABEL_INSTANCE, LABEL_MANAGED } from './bottle-containers';
import type { EngineClient, NetworkCreateOptions, NetworkInspectInfo } from './engine-client';
import { engineStatus, ifContainerExists } from './if-engine-object-exists';
import { networksNamed, settleNamedNetwork } from './named-networks';
import { BOTTLE_SUBNET_PREFIX, cidrText, firstFreeSubnet, hostAddress, parseCidr, type Cidr } from './network-subnets';

/*
 * Each bottle's own network (issue 19): internal, and with no address of the host on its bridge
 * (`inhibit_ipv4`), so the only thing a bottle on it can reach is what else is on it: our gateway
 * container. A plain `--internal` network still reaches every host address through its bridge and
 * leaks DNS; this one does not (research, /work/wt/briefs/i19-research.md §3a'). One network per
 * bottle keeps bottles apart; each takes a /29 from a range we own (network-subnets.ts).
 */

const NETWORK_PREFIX = 'claude-bottle-net-';
/** The gateway container's address on every bottle network, and the bottle's. */
const GATEWAY_HOST = 2;
const BOTTLE_HOST = 3;
/** Creation attempts before giving up: each failed one is a subnet another creator took meanwhile. */
const CREATE_ATTEMPTS = 12;

/**
 * The bridge options. `inhibit_ipv4` (Docker ≥ 20.10) keeps the host's address off the bridge;
 * Docker ≥ 28 calls the same thing `gateway_mode_ipv4/ipv6=isolated`, which older engines accept
 * and ignore, so both are passed.
 */
export const BRIDGE_OPTIONS: Readonly<Record<string, string>> = {
  'com.docker.network.bridge.inhibit_ipv4': 'true',
  'com.docker.network.bridge.gateway_mode_ipv4': 'isolated',
  'com.docker.network.bridge.gateway_mode_ipv6': 'isolated',
};

/** A bottle's network as the launch uses it. */
export interface BottleNetwork {
  name: string;
  id: string;
  /** Its /29, e.g. `10.213.4.8/29`. */
  subnet: string;
  /** Where the gateway container sits on it (`.2`). */
  gatewayIp: string;
  /** Where the bottle sits on it (`.3`). */
  bottleIp: string;
}

export function bottleNetworkName(identity: string): string {
  return `${NETWORK_PREFIX}${parseIdentity(identity)}`;
}

/** Labelled as our containers are: managed, the bottle's identity, and this state root's instance. */
function networkLabels(identity: string): Record<string, string> {
  return { [LABEL_MANAGED]: 'true', [LABEL_IDENTITY]: parseIdentity(identity), [LABEL_INSTANCE]: instanceId() };
}

function bottleNetworkOf(info: NetworkInspectInfo, subnet: Cidr): BottleNetwork {
  return {
    name: info.Name,
    id: info.Id,
    subnet: cidrText(subnet),
    gatewayIp: hostAddress(subnet, GATEWAY_HOST),
    bottleIp: hostAddress(subnet, BOTTLE_HOST),
  };
}

/** A bottle network's addresses from what the engine says of it; null when it has no IPv4 /29. */
export function bottleNetworkFromInfo(info: NetworkInspectInfo): BottleNetwork | null {
  const subnet = parseCidr(info.IPAM?.Config?.[0]?.Subnet ?? '');
  return subnet === null || subnet.prefix !== BOTTLE_SUBNET_PREFIX ? null : bottleNetworkOf(info, subnet);
}

/** Every IPv4 subnet the engine's networks hold (their IPAM config); IPv6 ones cannot overlap ours. */
/** Every IPv4 subnet the listed networks hold. */
export function subnetsOf(networks: NetworkInspectInfo[]): Cidr[] {
  return networks.flatMap((network) => (network.IPAM?.Config ?? []).flatMap((config) => parseCidr(config.Subnet ?? '') ?? []));
}

/**
 * The bottle's network as it is on the engine, checked to be ours and fenced as we make them; null
 * when there is none. Of twins a race made, the oldest is the one (named-networks.ts). `listed`: the
 * engine's whole listing, just read.
 */
async function existingNetwork(docker: EngineClient, identity: string, listed: NetworkInspectInfo[]): Promise<BottleNetwork | null> {
  const name = bottleNetworkName(identity);
  const { ours: info, others } = await settleNamedNetwork(docker, name, instanceId(), listed);
  if (info === null) {
    if (others)
      throw new BottleError(
        'forbidden',
        `network ${name} belongs to another claude-bottle instance on this engine (or to no one): not used`,
      );
    return null;
  }
  const network = bottleNetworkFromInfo(info);
  if (!info.Internal || info.Options?.['com.docker.network.bridge.inhibit_ipv4'] !== 'true' || network === null)
    throw new BottleError(
      'corrupt',
      `network ${name} is not an isolated /29 network as claude-bottle makes them: remove it (docker network rm ${info.Id})`,
    );
  return network;
}

function createOptions(identity: string, subnet: Cidr, extraLabels: Readonly<Record<string, string>>): NetworkCreateOptions {
  return {
    Name: bottleNetworkName(identity),
    CheckDuplicate: true,
    Driver: 'bridge',
    Internal: true,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Config: [{ Subnet: cidrText(subnet) }] },
    Options: { ...BRIDGE_OPTIONS },
    Labels: { ...extraLabels, ...networkLabels(identity) },
  };
}

/** Where in the range a bottle's subnet search starts (firstFreeSubnet's seed): its identity's hash, so launches start apart. */
export function subnetSeed(identity: string): number {
  return createHash('sha256').update(identity).digest().readUInt32BE(0);
}

/** The engine refused the subnet because another network holds (part of) it: 403 "Pool overlaps". */
export function isPoolOverlap(error: unknown): boolean {
  return engineStatus(error) === 403 || /overlaps/i.test((error as Error | null)?.message ?? '');
}

/**
 * The bottle's network: the one this state root made already, else a new one on a /29 that
 * overlaps no network of the engine. A launch racing another for the same subnet (the engine says
 * the pool overlaps) takes the next free one; one racing for the same name uses the one that won.
 * `extraLabels` go on a network made now (the sign-in flow's say what it is, sign-in-labels.ts).
 */
export async function ensureBottleNetwork(
  docker: EngineClient,
  identity: string,
  extraLabels: Readonly<Record<string, string>> = {},
): Promise<BottleNetwork> {
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
    // One listing per attempt: the network by its name, and the subnets taken (one round trip, not two).
    const listed = await docker.listNetworks();
    const existing = await existingNetwork(docker, identity, listed);
    if (existing !== null) return existing;
    const subnet = firstFreeSubnet(subnetsOf(listed), subnetSeed(identity) + attempt);
    if (subnet === undefined)
      throw new BottleError('limit-exceeded', 'no free /29 left in 10.213.0.0/16 for a bottle network: remove bottles you no longer need');
    try {
      await docker.createNetwork(createOptions(identity, subnet, extraLabels));
    } catch (error: unknown) {
      // 409: made meanwhile under the same name (read above on the next turn); an overlap: taken meanwhile.
      if (engineStatus(error) !== 409 && !isPoolOverlap(error)) throw error;
    }
  }
  throw new BottleError(
    'conflict',
    `could not create network ${bottleNetworkName(identity)}: its subnet was taken ${CREATE_ATTEMPTS} times in a row`,
  );
}

/**
 * Removes the bottle's network when this state root made it: the containers still on it are taken
 * off first when this root made them too (the gateway), and a network another instance made is left
 * alone. Returns whether one was removed.
 */
export async function removeBottleNetwork(docker: EngineClient, identity: string): Promise<boolean> {
  const instance = instanceId();
  const ours = (await networksNamed(docker, bottleNetworkName(identity))).filter(
    (network) => network.Labels?.[LABEL_INSTANCE] === instance,
  );
  for (const listed of ours) {
    const network = docker.getNetwork(listed.Id);
    // The listing leaves `Containers` empty: the network's own inspect says who is on it.
    const info = await ifContainerExists(network.inspect());
    for (const id of Object.keys(info?.Containers ?? {})) {
      const container = await ifContainerExists(docker.getContainer(id).inspect());
      if (container?.Config.Labels?.[LABEL_INSTANCE] === instance) await ifContainerExists(network.disconnect(id, { force: true }));
    }
    // A container of someone else's still on it: the engine refuses (403, active endpoints), and says so.
    await ifContainerExists(network.remove());
  }
  return ours.length > 0;
}
