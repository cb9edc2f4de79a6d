import { chmod, chown } from 'node:fs/promises';
import { recordBaseline } from '../changes/baseline';
import { unforgeSnapshot } from '../changes/snapshot-unforge';
import type { EngineContainer } from '../engine/engine-client';
import type { ArchiveOwner } from '../engine/container-archive';
import { putFoldersWithWorkspace } from '../engine/workspace-copy-in';
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

/** Runs a plan's steps on its created container: inbox, baseline, files in (everything before the start). */
async function runPlan(
  ctx: CoreDeps,
  container: EngineContainer,
  identity: string,
  plan: LaunchPlan,
  transcriptDir: string | null,
): Promise<void> {
  if (plan.handOverInbox) await handOverInbox(bottlePaths(identity).inbox, plan.run);
  // What the agent starts from, taken just before it gets the folder.
  if (plan.baseline !== null) await recordBaseline(plan.baseline.identity, plan.baseline.cwd, plan.baseline.copy);
  const entries = [...plan.entries, ...plan.secrets];
  if (plan.sources.length > 0 || entries.length > 0)
    await putFoldersWithWorkspace(
      { client: ctx.docker, local: ctx.engine.local },
      container,
      plan.sources,
      plan.run,
      entries,
      (line) => ctx.activity.progress(identity, { line }),
      // A resume's transcript goes straight into the layer too when the engine keeps it here.
      transcriptDir,
    );
  await clearReadyToResume(identity);
}

/**
 * Waits for both the gateway's readiness and the container's preparation. The gateway's failure
 * is the one reported when both fail: it is the error a launch gave when the two ran one after the
 * other (the gateway first), and it says why the bottle would have had no way out.
 */
async function bothDone(gatewayReady: Promise<void>, prepared: Promise<void>): Promise<void> {
  const [gateway, preparation] = await Promise.allSettled([gatewayReady, prepared]);
  if (gateway.status === 'rejected') throw gateway.reason;
  if (preparation.status === 'rejected') throw preparation.reason;
}

/** The gateway on the bottle's network and holding its rules; the join's error is the one reported when both fail. */
async function joinedAndReady(joined: Promise<void>, ready: Promise<void>): Promise<void> {
  const [join, rules] = await Promise.allSettled([joined, ready]);
  if (join.status === 'rejected') throw join.reason;
  if (rules.status === 'rejected') throw rules.reason;
}

/**
 * Creates and starts the bottle's container: image chosen (and built if needed), the bottle's own
 * folders prepared, transcript and (copy mode) workspace put in owned by the agent's user, with
 * the agent's login and secrets (and, at a first start, the operator's own setup), then started.
 * Shared by start, resume and a fork's first launch (a resume with `fork`), like the Python CLI's `_launch_bottle`. The facts are gathered
 * (launch-facts.ts), the plan decided from them (launch-plan.ts), and its steps run here.
 */
export async function launch(ctx: CoreDeps, bottle: LoadedBottle, resume: boolean, fork = false): Promise<EngineContainer> {
  const { identity } = bottle;
  const { facts, routeJoined } = await gatherLaunchFacts(ctx, bottle, resume, fork);
  // The gateway takes the bottle's rules while its container is made and filled: that push opens a
  // control stream (an exec starting a program in the gateway), the slowest step of a launch, and it
  // reads only the bottle's network and state, which exist now. The gateway's join of the bottle's
  // network runs meanwhile too (its error first, as when it came before the creation). Only the
  // start waits for both.
  const gatewayReady = facts.route === null ? routeJoined : joinedAndReady(routeJoined, ctx.gateways.ready(identity));
  // Observed below, whichever step ends first; this only keeps an early failure from being unhandled meanwhile.
  gatewayReady.catch((_error: unknown) => undefined);
  let container: EngineContainer;
  let passwd: PasswdEntry[];
  try {
    ({ container, passwd } = await createContainer(ctx, facts));
  } catch (error: unknown) {
    // Nothing is left running behind a failed launch. The creation's error is the one to report:
    // before the two overlapped, a launch whose container could not be made never asked the gateway.
    await gatewayReady.catch((_ignored: unknown) => undefined);
    throw error;
  }
  try {
    const prepare = async (): Promise<void> => {
      const progress = (line: string): void => ctx.activity.progress(identity, { line });
      const copied = resume ? [] : await hostConfigEntries(container, facts.agent, progress);
      // At every launch: a resume of a bottle from before the hooks gets them too; one that has them, nothing.
      const hostConfig = await withReportHooks(container, facts, copied, progress);
      // A resume gives back the snapshot: an edit whose time the agent set back must not pass for unchanged.
      if (facts.snapshots.workspace) await unforgeSnapshot(identity);
      await runPlan(ctx, container, identity, planLaunch(facts, passwd, hostConfig), facts.agent.config.transcriptDir);
    };
    await bothDone(gatewayReady, prepare());
    await container.start();
    return container;
  } catch (error: unknown) {
    await removeUnstarted(container);
    throw error;
  }
}
