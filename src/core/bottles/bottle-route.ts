import { settled } from '../base/settled';
import { ensureBottleNetwork } from '../engine/bottle-networks';
import type { EngineClient } from '../engine/engine-client';
import { connectGateway, ensureGateway, removeGatewayWhenIdle } from '../engine/gateway-container';
import { ensureGatewayImage, gatewayProgramPath } from '../engine/gateway-image';
import type { CoreDeps } from '../deps/core-deps';
import { withRootLock } from '../state/root-lock';
import { readSettings } from '../state/settings';
import type { GatewayRoute } from './container-spec';

/**
 * One preparation at a time per engine client. Launches at once would otherwise race to create the
 * gateway's egress bridge and to join the gateway to networks: Docker lets two creations share a
 * name, and while twins exist it refuses to join the gateway anywhere (its networks are looked up by
 * name, "ambiguous"). Kept at module level: the engine's, not a launch's.
 */
const queues = new WeakMap<EngineClient, Promise<void>>();

/** One at a time in this process (per engine client), and across this root's processes (gateway.lock). */
function oneAtATime<T>(docker: EngineClient, step: () => Promise<T>): Promise<T> {
  const result = (queues.get(docker) ?? Promise.resolve()).then(() => withRootLock('gateway', step));
  queues.set(docker, settled(result)); // the next preparation waits for this one, whatever its outcome
  return result;
}

/**
 * The bottle's one way out, made ready before its container is created (issue 19): the gateway
 * image built when missing, the gateway container running, the bottle's own network there, and the
 * gateway on it at `.2`. Null when settings.json turns `gatewayNetwork` off (it is on by default):
 * the bottle then gets the engine's default network. `networkLabels`: see ensureBottleNetwork.
 */
export async function prepareRoute(
  ctx: CoreDeps,
  identity: string,
  networkLabels: Readonly<Record<string, string>> = {},
): Promise<GatewayRoute | null> {
  const settings = await readSettings();
  if (!settings.gatewayNetwork) return null;
  ctx.activity.progress(identity, { line: 'Preparing the network gateway' });
  // Built outside the lock: a first build may pull the base for minutes, and two builds of one tag are harmless.
  const source = { baseImage: settings.gatewayBaseImage, programPath: gatewayProgramPath() };
  const image = await ensureGatewayImage(ctx.docker, source, (update) => ctx.activity.progress(identity, update));
  return oneAtATime(ctx.docker, async () => {
    // The bottle's network first: from then on a removal in another process (removeGatewayWhenIdle)
    // sees a bottle of this root here and leaves the gateway alone.
    const network = await ensureBottleNetwork(ctx.docker, identity, networkLabels);
    await ensureGateway(ctx.docker, image);
    // The gateway is the one the launch keeps: its control stream opens while it joins the network
    // and the container is made, instead of after (the launch's `ready` waits for it).
    ctx.gateways.open(ctx.engine.name);
    await connectGateway(ctx.docker, network);
    return { network: network.name, bottleIp: network.bottleIp, gatewayIp: network.gatewayIp };
  });
}

/**
 * After a bottle's removal: the gateway and its egress bridge go when that was this root's last
 * bottle on the engine. In the same queue as the launches, so a launch of this core never finds the
 * gateway it just made removed under it.
 */
export function retireRouteWhenIdle(ctx: CoreDeps): Promise<boolean> {
  return oneAtATime(ctx.docker, () => removeGatewayWhenIdle(ctx.docker));
}
