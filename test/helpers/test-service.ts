import { createCore } from '../../src/core/create-core';
import { createBottleContext, type BottleContext } from '../../src/core/deps/bottle-context';
import type { BottleService } from '../../src/core/services/bottle-service';

/** The bottle service, as every front end reaches it (a CLI-style core: not live). */
export function service(ctx: BottleContext = createBottleContext()): BottleService {
  return createCore({ context: ctx }).bottles;
}
