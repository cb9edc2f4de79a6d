import type { CoreDeps } from '../deps/core-deps';
import { BottleError, errorMessage } from '../base/bottle-error';
import { perBottleImageTag } from '../state/state-paths';
import { engineStatus } from '../engine/if-engine-object-exists';

/**
 * What became of the bottle's own rebuilt image on remove: `removed`; `none` (it never had one);
 * `in-use` (a container still uses it, this instance's or another's: left to them); `kept`
 * (--keep-state keeps it for the resume).
 */
export type RebuiltImageOutcome = 'removed' | 'none' | 'in-use' | 'kept';

export interface RemoveOutcome {
  image: RebuiltImageOutcome;
}

/**
 * Removes the bottle's rebuilt image (`claude-bottle-rebuilt-<identity>`, DESIGN.md §2): its tag,
 * and the candidate tag a build that was killed may have left. Never forced: the engine refuses to
 * remove an image a container uses (409), and that refusal is what keeps another instance's
 * container, which may share it, working.
 */
export async function removeRebuiltImage(ctx: CoreDeps, identity: string): Promise<RebuiltImageOutcome> {
  const latest = perBottleImageTag(identity);
  let outcome: RebuiltImageOutcome = 'none';
  for (const tag of [latest, latest.replace(/:latest$/, ':candidate')]) {
    try {
      await ctx.docker.getImage(tag).remove({ noprune: false });
      if (tag === latest) outcome = 'removed';
    } catch (error: unknown) {
      const status = engineStatus(error);
      if (status === 404) continue;
      if (status === 409) {
        if (tag === latest) outcome = 'in-use';
        continue;
      }
      throw new BottleError('internal', `removed ${identity}, but not its image ${tag}: ${errorMessage(error)}`);
    }
  }
  return outcome;
}
