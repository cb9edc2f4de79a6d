import { ensureBottleNetwork } from '../engine/bottle-networks';
import { connectGateway, ensureGateway } from '../engine/gateway-container';
import { ensureGatewayImage, gatewayProgramPath } from '../engine/gateway-image';
import type { CoreDeps } from '../deps/core-deps';
import { readSettings } from '../state/settings';
import type { GatewayRoute } from './container-spec';

/**
 * The bottle's one way out, made ready before its container is created (issue 19): the gateway
 * image built when missing, the gateway container running, the bottle's own network there, and the
 * gateway on it at `.2`. Null while settings.json leaves `gatewayNetwork` off (the default until the
 * gateway program is integrated): the bottle then gets the engine's default network as before.
 */
export async function prepareRoute(ctx: CoreDeps, identity: string): Promise<GatewayRoute | null> {
  const settings = await readSettings();
  if (!settings.gatewayNetwork) return null;
  ctx.activity.progress(identity, { line: 'Preparing the network gateway' });
  const image = await ensureGatewayImage(
    ctx.docker,
    { baseImage: settings.gatewayBaseImage, programPath: gatewayProgramPath() },
    (update) => ctx.activity.progress(identity, update),
  );
  await ensureGateway(ctx.docker, image);
  const network = await ensureBottleNetwork(ctx.docker, identity);
  await connectGateway(ctx.docker, network);
  return { network: network.name, bottleIp: network.bottleIp, gatewayIp: network.gatewayIp };
}
