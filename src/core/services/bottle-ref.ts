import { BOTTLE_NAME_PATTERN } from '../../shared/agent-reports';
import { isValidIdentity } from '../../shared/identity';
import { BottleError } from '../base/bottle-error';
import { listBottleNames, type NamedBottle } from '../state/bottle-names';
import { bottlePaths, stateRoot } from '../state/state-paths';
import { isDirectory } from '../fs/is-directory';

/*
 * How the operator names a bottle wherever an identity is taken (the CLI's `<id>`, as `docker`
 * takes ids): its full identity, a unique prefix or suffix of one, or its name.
 */

/** Candidates an ambiguous reference lists before "and N more". */
const MAX_LISTED = 10;

/** What a reference picks among the root's bottles. */
export type RefMatch = { kind: 'one'; identity: string } | { kind: 'ambiguous'; candidates: string[] } | { kind: 'none' };

/**
 * A reference is the identity of a bottle, then its name (names are unique and chosen on purpose),
 * then a prefix or suffix of one identity; more than one such: ambiguous.
 */
export function matchBottleRef(ref: string, bottles: readonly NamedBottle[]): RefMatch {
  if (bottles.some((bottle) => bottle.identity === ref)) return { kind: 'one', identity: ref };
  const named = bottles.find((bottle) => bottle.name === ref);
  if (named !== undefined) return { kind: 'one', identity: named.identity };
  const candidates = bottles
    .filter((bottle) => bottle.identity.startsWith(ref) || bottle.identity.endsWith(ref))
    .map((bottle) => bottle.identity)
    .sort();
  if (candidates.length === 1 && candidates[0] !== undefined) return { kind: 'one', identity: candidates[0] };
  return candidates.length === 0 ? { kind: 'none' } : { kind: 'ambiguous', candidates };
}

/**
 * Letters, digits, ".", "_" and "-" only, at most 64 (a name, an identity or a piece of one):
 * never a path, never a control character. The reference is only compared, never joined to a
 * path; what it resolves to comes from the listing.
 */
function isRefShaped(ref: string): boolean {
  return isValidIdentity(ref) || BOTTLE_NAME_PATTERN.test(ref) || /^-[a-z0-9-]{1,63}$/.test(ref);
}

function ambiguousError(ref: string, candidates: string[]): BottleError {
  const listed = candidates.slice(0, MAX_LISTED).join(', ');
  const more = candidates.length > MAX_LISTED ? ` and ${candidates.length - MAX_LISTED} more` : '';
  return new BottleError('conflict', `"${ref}" matches ${candidates.length} bottles: ${listed}${more}`);
}

/**
 * The identity `ref` names, or a one-line error: ambiguous (listing the candidates), none, or not
 * shaped like a reference. A full identity with a state folder costs one stat, no listing and no
 * engine call. One without a folder is still taken when `hasContainer` finds its container (an
 * orphan, which `rm` removes); only that path asks the engine.
 */
export async function resolveBottleRef(ref: string, hasContainer: (identity: string) => Promise<boolean>): Promise<string> {
  if (!isRefShaped(ref))
    throw new BottleError(
      'invalid-argument',
      `invalid bottle identity ${JSON.stringify(ref.slice(0, 80))}: expected an identity, a unique part of one, or a bottle name`,
    );
  if (isValidIdentity(ref) && (await isDirectory(bottlePaths(ref).dir))) return ref;
  const match = matchBottleRef(ref, await listBottleNames());
  if (match.kind === 'one') return match.identity;
  if (match.kind === 'ambiguous') throw ambiguousError(ref, match.candidates);
  if (isValidIdentity(ref) && (await hasContainer(ref))) return ref;
  throw new BottleError('not-found', `no bottle ${ref} (no container, no state under ${stateRoot()})`);
}
