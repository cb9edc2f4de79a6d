import { chmod, chown } from 'node:fs/promises';
import { recordBaseline } from '../changes/baseline';
import type { EngineContainer } from '../engine/engine-client';
import { putFolders, type ArchiveOwner } from '../engine/container-archive';
import type { PasswdEntry } from '../engine/container-user';
import { readAndCacheImagePasswd } from '../engine/image-users';
import type { CoreDeps } from '../deps/core-deps';
import { clearReadyToResume } from '../state/lifecycle-marker';
import { bottlePaths, imageCacheDir } from '../state/state-paths';
import { hostConfigEntries } from './bottle-setup';
import { gatherLaunchFacts } from './launch-facts';
import { withReportHooks } from './report-hook-entries';
import { containerUser, createOptionsFor, planLaunch, type LaunchFacts, type LaunchPlan } from './launch-plan';
import type { LoadedBottle } from '../deps/loaded-bottle';

/** The agent's user must be able to write its inbox whatever uid the operator has on the host. */
async function handOverInbox(inbox: string, owner: ArchiveOwner): Promise<void> {
  if (process.getuid?.() === 0) await chown(inbox, owner.uid, owner.gid);
  else if (process.getuid?.() !== owner.uid) await chmod(inbox, 0o777);
}

/**
 * A container that never started holds nothing of the agent's: removed, the state kept. Called on a
 * launch's failure path: every failure of the removal is meant, since the launch's own error is the
 * one to report, and a container left behind carries the bottle's labels: the listing shows it, and
 * the bottle's remove takes it.
 */
async function removeUnstarted(container: EngineContainer): Promise<void> {
  await container.remove({ force: true }).catch((_error: unknown) => undefined);
}

/**
 * Creates the container as planned from what is known of the image's users. When its passwd was
 * not cached, it is read from this container; a container created for the wrong user (HOME,
 * rootEnv) is replaced by the right one.
 */
async function createContainer(ctx: CoreDeps, facts: LaunchFacts): Promise<{ container: EngineContainer; passwd: PasswdEntry[] }> {
  const user = containerUser(facts, facts.cachedPasswd);
  let container = await ctx.docker.createContainer(createOptionsFor(facts, user));
  if (facts.cachedPasswd !== null) return { container, passwd: facts.cachedPasswd };
  try {
    const passwd = await readAndCacheImagePasswd(imageCacheDir(), facts.image.id, container);
    const known = containerUser(facts, passwd);
    if (JSON.stringify(known) !== JSON.stringify(user)) {
      await container.remove({ force: true });
      container = await ctx.docker.createContainer(createOptionsFor(facts, known));
    }
    return { container, passwd };
  } catch (error: unknown) {
    await removeUnstarted(container);
    throw error;
  }
}

/** Runs a plan's steps on its created container: inbox, baseline, files in, then the start. */
async function runPlan(container: EngineContainer, identity: string, plan: LaunchPlan): Promise<void> {
  if (plan.handOverInbox) await handOverInbox(bottlePaths(identity).inbox, plan.run);
  // What the agent starts from, taken just before it gets the folder.
  if (plan.baseline !== null) await recordBaseline(plan.baseline.identity, plan.baseline.cwd, plan.baseline.copy);
  const entries = [...plan.entries, ...plan.secrets];
  if (plan.sources.length > 0 || entries.length > 0) await putFolders(container, plan.sources, plan.run, entries);
  await clearReadyToResume(identity);
  await container.start();
}

/**
 * Creates and starts the bottle's container: image chosen (and built if needed), the bottle's own
 * folders prepared, transcript and (copy mode) workspace put in owned by the agent's user, with
 * the agent's login and secrets (and, at a first start, the operator's own setup), then started.
 * Shared by start and resume, like the Python CLI's `_launch_bottle`. The facts are gathered
 * (launch-facts.ts), the plan decided from them (launch-plan.ts), and its steps run here.
 */
export async function launch(ctx: CoreDeps, bottle: LoadedBottle, resume: boolean): Promise<EngineContainer> {
  const { identity } = bottle;
  const facts = await gatherLaunchFacts(ctx, bottle, resume);
  const { container, passwd } = await createContainer(ctx, facts);
  try {
    const progress = (line: string): void => ctx.activity.progress(identity, { line });
    const copied = resume ? [] : await hostConfigEntries(container, facts.agent, progress);
    // At every launch: a resume of a bottle from before the hooks gets them too; one that has them, nothing.
    const hostConfig = await withReportHooks(container, facts, copied, progress);
    if (facts.route !== null) await ctx.gateways.ready(identity);
    await runPlan(container, identity, planLaunch(facts, passwd, hostConfig));
    return container;
  } catch (error: unknown) {
    await removeUnstarted(container);
    throw error;
  }
}
