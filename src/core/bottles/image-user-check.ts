import { finalUser } from '../../shared/dockerfile-lines';
import { resolveExecUser, type PasswdEntry } from '../engine/container-user';
import { errorMessage } from '../base/bottle-error';
import { BuildFailedError, type BuildProgressListener } from '../engine/image-build';
import { cachedImagePasswd, readImagePasswdStrictly } from '../engine/image-users';
import type { CoreDeps } from '../deps/core-deps';
import type { ImageInspectInfo } from '../engine/engine-client';
import { imageCacheDir } from '../state/state-paths';
import type { LoadedBottle } from '../deps/loaded-bottle';

/** What a per-bottle image is held to, known before it is built. */
export interface ImageUserRule {
  /** The user its config must name: the last `USER` line as the operator reads it, else the agent image's. */
  user: string;
  from: string;
  /** The agent's own image runs it as uid 0: only then may the per-bottle image too. */
  agentIsRoot: boolean;
}

const shownUser = (user: string): string => JSON.stringify(user === '' ? 'root (no USER)' : user);

/** The rule for a bottle's next image, given the agent's own image (built): its tag, or its inspect when read already. */
export async function imageUserRule(
  ctx: CoreDeps,
  bottle: LoadedBottle,
  dockerfile: string,
  agentImage: string | ImageInspectInfo,
): Promise<ImageUserRule> {
  const info = typeof agentImage === 'string' ? await ctx.docker.getImage(agentImage).inspect() : agentImage;
  const imageUser = info.Config.User ?? '';
  const passwd =
    (await cachedImagePasswd(imageCacheDir(), info.Id)) ?? (await readImagePasswdStrictly(ctx.docker, imageCacheDir(), info.Id)) ?? [];
  // The agent runs as its agent.json user, else as its image's.
  const agentIsRoot = resolveExecUser(bottle.agent.config.user ?? imageUser, passwd)?.uid === 0;
  const user = finalUser(dockerfile);
  return user !== null
    ? { user, from: 'its last USER line', agentIsRoot }
    : { user: imageUser, from: "the agent image's user", agentIsRoot };
}

/**
 * Judges a built candidate by what it runs the agent as, never by how its Dockerfile reads.
 * Its configured user must be the one the Dockerfile reads as (a line continuation or heredoc can
 * swallow the USER line switching back from root). And the uid that user resolves to in the
 * image's own /etc/passwd, read without running the image, must not be 0 unless the agent's own
 * image runs it as root: `USER 00`, or a RUN line that gives the agent's user uid 0 in passwd, is
 * root under another name. Throws a BuildFailedError, so the request shows why and nothing changes.
 */
export async function checkImageUser(
  ctx: CoreDeps,
  bottle: LoadedBottle,
  /** The built candidate as the engine described it right after the build (read once). */
  info: ImageInspectInfo,
  rule: ImageUserRule,
  onProgress?: BuildProgressListener,
): Promise<void> {
  const actual = info.Config.User ?? '';
  if (actual !== rule.user) {
    throw new BuildFailedError(
      `the built image runs as ${shownUser(actual)}, not as ${shownUser(rule.user)} (${rule.from}): a line continuation or heredoc can swallow a USER line; nothing was changed`,
      [],
    );
  }
  onProgress?.({ step: null, totalSteps: null, line: "Checking the built image's user" });
  const runUser = bottle.agent.config.user ?? actual;
  let passwd: PasswdEntry[];
  try {
    // An image id already read (a cached build gives the same id again) is not read twice. A launch's
    // read keeps no entries for a passwd that is not a file, and no entries resolve no name: refused.
    passwd =
      (await cachedImagePasswd(imageCacheDir(), info.Id)) ?? (await readImagePasswdStrictly(ctx.docker, imageCacheDir(), info.Id)) ?? [];
  } catch (error: unknown) {
    throw new BuildFailedError(`cannot tell which uid the built image runs the agent as: ${errorMessage(error)}; nothing was changed`, []);
  }
  const resolved = resolveExecUser(runUser, passwd);
  if (resolved === null) {
    throw new BuildFailedError(
      `the built image has no user ${shownUser(runUser)} in its /etc/passwd (or a uid out of range), so the agent could not run in it; nothing was changed`,
      [],
    );
  }
  if (resolved.uid === 0 && !rule.agentIsRoot) {
    throw new BuildFailedError(
      `the built image runs the agent as root: its user ${shownUser(runUser)} is uid 0 by the image's own /etc/passwd, while the agent's own image does not run it as root; nothing was changed`,
      [],
    );
  }
}
