import { createCore } from '../../src/core/create-core';
import { createCoreDeps, type CoreDeps } from '../../src/core/deps/core-deps';
import type { BottleService } from '../../src/core/services/bottle-service';

/** The bottle service, as every front end reaches it (a CLI-style core: not live). */
export function service(ctx: CoreDeps = createCoreDeps()): BottleService {
  return createCore({ deps: ctx }).bottles;
}
