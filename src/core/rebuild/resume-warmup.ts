import type { CoreDeps } from '../deps/core-deps';
import { engineFacts } from '../engine/engine-facts';

/**
 * "Approve & resume": asks the engine now, while the image builds and the old container goes, what
 * the resume reads from it anyway (`docker info`, kept per process by engine-facts.ts), so the
 * resume does not wait for it after the teardown. A failed answer is not kept there: the resume's
 * own read asks again and reports it with its context, which is why it is dropped here.
 */
export function warmEngineFacts(ctx: CoreDeps): void {
  engineFacts(ctx.docker).catch((_error: unknown) => undefined);
}
