import type { BottleContext } from '../services/bottle-context';

/**
 * The context to reach one bottle's container through: the cockpit's streams (terminals, shells,
 * logs, stats, inspect) all ask here, so the engine a bottle lives on is chosen in one place.
 * Every bottle is on the engine the process connects to.
 */
export function engineOfBottle(ctx: BottleContext, identity: string): BottleContext {
  void identity;
  return ctx;
}
