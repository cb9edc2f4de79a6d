import { BOTTLE_NAME_PATTERN } from '../../shared/agent-reports';
import { BottleError } from '../base/bottle-error';
import { readBottleOptions } from './bottle-options';
import { withRootLock } from './root-lock';
import { listStateRoot } from './state-listing';

/*
 * The operator's names for bottles (`start --name`): unique among this root's bottles, so a name
 * picks one bottle wherever an identity is taken (bottle-ref.ts).
 */

/** One bottle folder of the root and its name (null: none given). */
export interface NamedBottle {
  identity: string;
  name: string | null;
}

/**
 * Every bottle folder of the root with its name. Only the options file is read, and only where
 * one is: no metadata, no engine. A folder whose options the host cannot read is listed without a
 * name (its own listing says why).
 */
export async function listBottleNames(): Promise<NamedBottle[]> {
  const named: NamedBottle[] = [];
  for (const { identity, isFolder } of await listStateRoot()) {
    if (!isFolder) continue;
    let name: string | null;
    try {
      name = readBottleOptions(identity).name;
    } catch (error: unknown) {
      // Unreadable options: that bottle holds no name we can see; its card and resume report the error.
      name = null;
    }
    named.push({ identity, name });
  }
  return named;
}

/** A name as the operator gave it, or a one-line error saying what a name may be. */
export function requireBottleName(name: string): string {
  if (!BOTTLE_NAME_PATTERN.test(name))
    throw new BottleError(
      'invalid-argument',
      `invalid bottle name ${JSON.stringify(name.slice(0, 80))}: 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  return name;
}

/**
 * Runs `write` (which records the name) only if no other bottle of the root has the name, or the
 * name of its folder; one process at a time, so two starts given one name cannot both take it.
 */
export async function claimBottleName<T>(name: string, write: () => Promise<T>): Promise<T> {
  return withRootLock('bottle-names', async () => {
    const taken = (await listBottleNames()).find((bottle) => bottle.name === name || bottle.identity === name);
    if (taken !== undefined) throw new BottleError('conflict', `the name "${name}" is taken by bottle ${taken.identity}`);
    return write();
  });
}
