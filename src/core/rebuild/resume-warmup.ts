import type { CoreDeps } from '../deps/core-deps';
import { engineFacts } from '../engine/engine-facts';
import { readSettings } from '../state/settings';

/**
 * A resume on its way ("Approve & resume", or a resume): asks the engine now, while the image
 * builds and the old container goes (or while the resume checks its bottle), what the launch reads
 * from it anyway (`docker info`, kept per process by engine-facts.ts), and opens the gateway's
 * control stream the launch pushes the bottle's rules on: its exec starts a program in the gateway
 * (~140 ms), which a CLI's resume otherwise waited for between filling the new container and
 * starting it. A failed answer is not kept: the launch's own read asks again and reports it with
 * its context, which is why it is dropped here; a stream that does not open is opened again, and
 * its failure reported, by the launch's `ready`. Both are no-ops in a live core that holds them.
 */
export function warmResume(ctx: CoreDeps): void {
  engineFacts(ctx.docker).catch((_error: unknown) => undefined);
  // Only when bottles have a gateway (settings.json can turn it off): else there is no stream to open.
  readSettings().then(
    (settings) => {
      if (settings.gatewayNetwork) ctx.gateways.open(ctx.engine.name);
    },
    // An unreadable settings.json fails the launch itself, with its reason.
    (_error: unknown) => undefined,
  );
}
