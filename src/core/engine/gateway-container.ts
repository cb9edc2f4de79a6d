import { BottleError } from '../base/bottle-error';
import { instanceId } from '../state/instance-id';
import { LABEL_IDENTITY, LABEL_INSTANCE, LABEL_MANAGED } from './bottle-containers';
import { bottleNetworkFromInfo, type BottleNetwork } from './bottle-networks';
import type { ContainerCreateOptions, ContainerInspectInfo, EngineClient, EngineContainer } from './engine-client';
import { ALREADY_DONE, engineStatus, ifContainerExists } from './if-engine-object-exists';
import { GATEWAY_RUN_DIR, GATEWAY_USER, LABEL_GATEWAY } from './gateway-image';
import { settleNamedNetwork } from './named-networks';
import { createOnOwnSubnet, isPoolsExhausted } from './egress-subnet';

/*
 * One gateway container per engine and state root (issue 19): on an egress bridge of ours, and on
 * every bottle network of this root at the fixed address `.2`. It is the bottles' one door out, so
 * it runs with nothing it does not need: no capabilities, no new privileges, no forwarding between
 * its interfaces (a bottle must not route through it, only speak to its proxy), bounded memory and
 * processes. It restarts with the engine: bottles lose their way out while it is down.
 *
 * It carries no `claude-bottle.managed` label: that label means "a bottle", and the listing, the
 * events and the stats take every container with it for one.
 */

/** Where the gateway's proxy listens on every bottle network. */
export const GATEWAY_PORT = 3128;
const GATEWAY_LIMITS = { memoryBytes: 512 * 1024 ** 2, pids: 256 };

export function gatewayContainerName(instance: string = instanceId()): string {
  return `claude-bottle-gateway-${instance}`;
}

export function egressNetworkName(instance: string = instanceId()): string {
  return `claude-bottle-egress-${instance}`;
}

function gatewayLabels(): Record<string, string> {
  return { [LABEL_GATEWAY]: 'true', [LABEL_INSTANCE]: instanceId() };
}

function gatewayCreateOptions(image: string, egressNetworkId: string): ContainerCreateOptions {
  return {
    name: gatewayContainerName(),
    Image: image,
    User: GATEWAY_USER,
    Labels: gatewayLabels(),
    HostConfig: {
      // By id: the name may (briefly) stand for twins a race made (named-networks.ts).
      NetworkMode: egressNetworkId,
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: [],
      SecurityOpt: ['no-new-privileges:true'],
      // The engine turns forwarding on in a container's namespace; the gateway must only proxy.
      Sysctls: { 'net.ipv4.ip_forward': '0' },
      ReadonlyRootfs: true,
      // The control socket's folder: the one place the program writes, its own user's alone.
      Tmpfs: { [GATEWAY_RUN_DIR]: 'rw,noexec,nosuid,nodev,size=1m,mode=0700,uid=65534,gid=65534' },
      Memory: GATEWAY_LIMITS.memoryBytes,
      PidsLimit: GATEWAY_LIMITS.pids,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
      Init: true,
      RestartPolicy: { Name: 'unless-stopped' },
    },
  };
}

/** The egress bridge: a normal bridge of ours, where the gateway (and only it) reaches out. */
async function ensureEgressNetwork(docker: EngineClient): Promise<string> {
  const name = egressNetworkName();
  const { ours, others } = await settleNamedNetwork(docker, name, instanceId());
  if (ours !== null) return ours.Id;
  if (others) throw new BottleError('forbidden', `network ${name} was not made by this claude-bottle instance: not used`);
  const options = {
    Name: name,
    CheckDuplicate: true,
    Driver: 'bridge',
    Labels: { [LABEL_MANAGED]: 'true', [LABEL_GATEWAY]: 'true', [LABEL_INSTANCE]: instanceId() },
    // Nothing else belongs on it: containers on it must not speak to each other.
    Options: { 'com.docker.network.bridge.enable_icc': 'false' },
  };
  try {
    await docker.createNetwork(options);
  } catch (error: unknown) {
    // The engine's address pools are all in use: a /24 of ours instead (egress-subnet.ts).
    if (isPoolsExhausted(error)) await createOnOwnSubnet(docker, options, instanceId());
    // 409: another launch made it meanwhile; it is used as it is.
    else if (engineStatus(error) !== 409) throw error;
  }
  // Read back rather than taken from the creation: a launch racing this one may have made a twin.
  const settled = await settleNamedNetwork(docker, name, instanceId());
  if (settled.ours === null) throw new BottleError('internal', `network ${name} vanished right after its creation`);
  return settled.ours.Id;
}

async function inspectGateway(docker: EngineClient): Promise<ContainerInspectInfo | null> {
  const info = await ifContainerExists(docker.getContainer(gatewayContainerName()).inspect());
  if (info !== null && info.Config.Labels?.[LABEL_INSTANCE] !== instanceId())
    throw new BottleError('forbidden', `container ${gatewayContainerName()} was not made by this claude-bottle instance: not used`);
  return info;
}

/** The running gateway container of this root, when there is one (the core's control stream opens to it). */
export async function findRunningGateway(docker: EngineClient): Promise<EngineContainer | null> {
  const info = await inspectGateway(docker);
  return info?.State.Running === true ? docker.getContainer(info.Id) : null;
}

/** Each bottle network of this root: the identity its label names, its addresses, and all its labels. */
export async function bottleNetworksOfRoot(
  docker: EngineClient,
): Promise<{ identity: string; network: BottleNetwork; labels: Record<string, string> }[]> {
  const networks = await docker.listNetworks({ filters: { label: [`${LABEL_INSTANCE}=${instanceId()}`, LABEL_IDENTITY] } });
  return networks.flatMap((info) => {
    const network = info.Internal ? bottleNetworkFromInfo(info) : null;
    const identity = info.Labels?.[LABEL_IDENTITY];
    return network === null || identity === undefined ? [] : [{ identity, network, labels: info.Labels ?? {} }];
  });
}

/** Every bottle network this root made: the gateway joins them all again when it is made anew. */
async function ownBottleNetworks(docker: EngineClient): Promise<BottleNetwork[]> {
  return (await bottleNetworksOfRoot(docker)).map((entry) => entry.network);
}

/**
 * The gateway container, running the given image: created (on the egress bridge) when there is
 * none, made anew when it runs another image (an updated program), started when stopped. It joins
 * every bottle network of this root it is not on yet (a new one: all of them), each at its `.2`,
 * so running bottles keep their way out across a gateway update. `leave`: the name of a network
 * it does not join here (a launch's new one, joined by connectGateway while the container is made);
 * `running`: called once the gateway runs the wanted image, before the joins (a launch opens its
 * control stream then), with what the engine said of it (connectGateway need not ask again).
 */
export async function ensureGateway(
  docker: EngineClient,
  image: string,
  options: { leave?: string; running?: (gateway: ContainerInspectInfo) => void } = {},
): Promise<EngineContainer> {
  const egress = await ensureEgressNetwork(docker);
  const wanted = (await docker.getImage(image).inspect()).Id;
  let info = await inspectGateway(docker);
  if (info !== null && info.Image !== wanted) {
    await ifContainerExists(docker.getContainer(info.Id).remove({ force: true }));
    info = null;
  }
  if (info === null) {
    try {
      await docker.createContainer(gatewayCreateOptions(image, egress));
    } catch (error: unknown) {
      // 409: another launch created it meanwhile; that one is used.
      if (engineStatus(error) !== 409) throw error;
    }
    info = await inspectGateway(docker);
    if (info === null) throw new BottleError('internal', `container ${gatewayContainerName()} vanished right after its creation`);
  }
  const container = docker.getContainer(info.Id);
  if (!info.State.Running) await ifContainerExists(container.start(), [304]);
  options.running?.(info);
  const joined = Object.values(info.NetworkSettings.Networks).map((endpoint) => endpoint.NetworkID);
  for (const network of await ownBottleNetworks(docker))
    if (!joined.includes(network.id) && network.name !== options.leave) await joinNetwork(docker, info.Id, network);
  return container;
}

/**
 * Joins the gateway to a bottle network at its `.2`. Two launches at once may both find it missing
 * (each ensureGateway joins every network of ours, and each launch its own): the engine refuses the
 * second join, which is then fine when the gateway is there at the right address.
 */
async function joinNetwork(docker: EngineClient, gatewayId: string, network: BottleNetwork): Promise<void> {
  try {
    await docker.getNetwork(network.id).connect(gatewayId, { ipv4Address: network.gatewayIp });
  } catch (error: unknown) {
    const endpoint = (await docker.getContainer(gatewayId).inspect()).NetworkSettings.Networks[network.name];
    if (endpoint?.NetworkID !== network.id || endpoint.IPAddress !== network.gatewayIp) throw error;
  }
}

/**
 * Puts the gateway on a bottle's network at the network's gateway address (`.2`); a no-op when it
 * is there already at that address, and moved there when it sits at another. `gateway`: what
 * ensureGateway read of it in the same hold of the gateway lock (nothing else moves it meanwhile).
 */
export async function connectGateway(docker: EngineClient, network: BottleNetwork, gateway?: ContainerInspectInfo): Promise<void> {
  const info = gateway ?? (await inspectGateway(docker));
  if (info === null) throw new BottleError('not-found', `container ${gatewayContainerName()} does not exist: start the gateway first`);
  const endpoint = info.NetworkSettings.Networks[network.name];
  if (endpoint !== undefined && endpoint.IPAddress === network.gatewayIp) return;
  if (endpoint !== undefined) await docker.getNetwork(network.id).disconnect(info.Id, { force: true });
  await joinNetwork(docker, info.Id, network);
}

/**
 * Removes this root's gateway container and its egress bridge once no bottle of this root is left
 * on the engine: no bottle network (a stopped bottle keeps its own for the resume) and no bottle
 * container. A door out for nobody is only an open port and a bridge on the operator's engine; the
 * next launch makes them again. Returns whether the gateway went. Another instance's are never
 * touched: both are looked up by this root's own names and labels.
 */
export async function removeGatewayWhenIdle(docker: EngineClient): Promise<boolean> {
  if ((await bottleNetworksOfRoot(docker)).length > 0) return false;
  const bottles = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_MANAGED}=true`, `${LABEL_INSTANCE}=${instanceId()}`] },
  });
  if (bottles.length > 0) return false;
  const info = await inspectGateway(docker);
  if (info !== null) await ifContainerExists(docker.getContainer(info.Id).remove({ force: true }), ALREADY_DONE);
  const { ours } = await settleNamedNetwork(docker, egressNetworkName(), instanceId());
  if (ours !== null) await ifContainerExists(docker.getNetwork(ours.Id).remove());
  return info !== null || ours !== null;
}
