import { settled } from '../base/settled';
import { bottleNetworkName, ensureBottleNetwork } from '../engine/bottle-networks';
import type { ContainerInspectInfo, EngineClient } from '../engine/engine-client';
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
  const pending = await beginRoute(ctx, identity, networkLabels);
  if (pending === null) return null;
  // The join's failure is the first failure of the whole preparation, the route's among them.
  await pending.joined;
  return pending.route;
}

/** A route under way (see beginRoute): both promises always have a handler, so either may be left unawaited after a failure. */
export interface PendingRoute {
  /** Settles once the bottle's network exists (or with the first failure before that). */
  route: Promise<GatewayRoute>;
  /** Settles once the gateway is on that network; rejects with the first failure of the whole preparation. */
  joined: Promise<void>;
}

/**
 * As prepareRoute, but answers as soon as settings.json is read, with the route still under way:
 * `route` once the bottle's network exists, `joined` once the gateway is on it. A container can be
 * created on the network before the join ends (its address is taken only at its start), so a
 * launch overlaps the join (a network connect, ~100 ms) with the container's creation and filling,
 * and waits for `joined` only before the start; the join stays in the same hold of the per-engine
 * queue and root lock as the network's creation. Meanwhile a launch gathers what it needs from
 * this machine (secrets, the CA, the Dockerfile, the git walls) while the engine makes the bottle's
 * network (~80 ms), instead of after it. Null when the gateway is off.
 */
export async function beginRoute(
  ctx: CoreDeps,
  identity: string,
  networkLabels: Readonly<Record<string, string>> = {},
): Promise<PendingRoute | null> {
  const settings = await readSettings();
  if (!settings.gatewayNetwork) return null;
  ctx.activity.progress(identity, { line: 'Preparing the network gateway' });
  let known: (route: GatewayRoute) => void = () => undefined;
  const network = new Promise<GatewayRoute>((resolve) => {
    known = resolve;
  });
  const joined = (async (): Promise<void> => {
    // Built outside the lock: a first build may pull the base for minutes, and two builds of one tag are harmless.
    const source = { baseImage: settings.gatewayBaseImage, programPath: gatewayProgramPath() };
    const image = await ensureGatewayImage(ctx.docker, source, (update) => ctx.activity.progress(identity, update));
    await oneAtATime(ctx.docker, async () => {
      // The bottle's network and the gateway side by side; the gateway leaves the new network to the
      // join below (it joins every other network of this root it is not on). Both within this hold:
      // a removal in another process (removeGatewayWhenIdle, same lock) then sees a bottle of this
      // root and leaves the gateway alone. Once the gateway runs the wanted image, the one the launch
      // keeps, its control stream opens (the launch's `ready` waits for it): that exec starts a
      // program in the gateway, the slowest step of a launch, so it overlaps all that follows.
      let gateway: ContainerInspectInfo | undefined;
      const running = (info: ContainerInspectInfo): void => {
        gateway = info;
        ctx.gateways.open(ctx.engine.name);
      };
      const [created] = await Promise.all([
        ensureBottleNetwork(ctx.docker, identity, networkLabels),
        ensureGateway(ctx.docker, image, { leave: bottleNetworkName(identity), running }),
      ]);
      known({ network: created.name, bottleIp: created.bottleIp, gatewayIp: created.gatewayIp });
      // What ensureGateway read of the gateway: no second inspect between the network and the join.
      await connectGateway(ctx.docker, created, gateway);
    });
  })();
  // Observed by the caller (awaited before the start, or after a failure elsewhere in the launch).
  joined.catch((_error: unknown) => undefined);
  const route = Promise.race([network, joined.then(() => network)]);
  route.catch((_error: unknown) => undefined);
  return { route, joined };
}

/**
 * After a bottle's removal: the gateway and its egress bridge go when that was this root's last
 * bottle on the engine. In the same queue as the launches, so a launch of this core never finds the
 * gateway it just made removed under it.
 */
export function retireRouteWhenIdle(ctx: CoreDeps): Promise<boolean> {
  return oneAtATime(ctx.docker, () => removeGatewayWhenIdle(ctx.docker));
}
