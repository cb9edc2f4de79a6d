import { rm, stat } from 'node:fs/promises';
import { ifExists } from '../fs/if-exists';
import type { StartBottleRequest } from '../../shared/bottle-view';
import { requireTrustedAgent } from '../agents/agent-trust';
import { loadAgent } from '../agents/agents';
import { migrateContainerLogin } from '../credentials/credential-migration';
import type { EngineContainer } from '../engine/engine-client';
import { bottleContainers, findBottleContainer, otherInstanceError } from '../engine/bottle-containers';
import { removeBottleNetwork } from '../engine/bottle-networks';
import { removeSignInLeftovers } from './sign-in-leftovers';
import { retireRouteWhenIdle } from './bottle-route';
import {
  discardExtracted,
  extractFolder,
  SnapshotBudget,
  SnapshotTooLargeError,
  swapIntoPlace,
  type ExtractedFolder,
} from '../engine/container-archive';
import { engineInfo } from '../engine/docker-client';
import { engineFacts } from '../engine/engine-facts';
import { ALREADY_DONE, ifContainerExists } from '../engine/if-engine-object-exists';
import type { CoreDeps } from '../deps/core-deps';
import { BottleError } from '../base/bottle-error';
import { DEFAULT_CONTEXT } from '../engine/docker-contexts';
import { writeEngineRecord } from '../state/bottle-engine';
import { bottleIdentity } from '../state/bottle-identity';
import { writeBottleOptions } from '../state/bottle-options';
import { claimBottleName, requireBottleName } from '../state/bottle-names';
import { requireTaskable } from './bottle-setup';
import { requireTaskText } from './agent-input';
import { writeBottleNetwork } from '../state/bottle-network';
import { DEFAULT_NETWORK_MODE, isNetworkMode, NETWORK_MODES } from '../../shared/network-policy';
import { writeCreatedAt } from '../state/created-at';
import { markReadyToResume, type TeardownReason } from '../state/lifecycle-marker';
import { formatBytes } from '../../shared/format-bytes';
import { launchModeRefusal } from '../../shared/launch-modes';
import { readLimits, snapshotCapHint } from '../state/limits';
import { isoNow, readMetadataResult, writeMetadata } from '../state/metadata';
import { bottlePaths, stateRoot } from '../state/state-paths';
import { WORKSPACE } from '../engine/bottle-mounts';
import { faultPoint } from './fault-point';
import { launch } from './launch';
import { removeRebuiltImage, type RemoveOutcome } from './rebuilt-image';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { checkProjectFolder } from './project-folder';
import { isDirectory } from '../fs/is-directory';
import { clearStopReason } from '../state/stop-reason';
import { hostWriteOverBudget } from './host-disk-budget';
import { copyBeforeStop, discardEarly, keptAfterStop, keptAsPaused, type EarlyCopy } from './teardown-snapshot';

/*
 * The bottle lifecycle's steps. None of them takes the bottle's lock or settles a half-done
 * approval: the bottle service does both, once, around whatever steps an operation runs.
 */

/** A remote engine cannot see this machine's folders: a bottle there works on a copy (the rule the start panel shows). */
function requireReachableProject(ctx: CoreDeps, copy: boolean): void {
  const refusal = launchModeRefusal(
    { name: ctx.engine.name, local: ctx.engine.local, host: ctx.connection.endpoint.host },
    copy ? 'copy' : 'mount',
  );
  if (refusal === null) return;
  throw new BottleError('unsupported', `${refusal}: start it with --copy (copy mode), and bring the work home from the bottle`);
}

/**
 * A new bottle's state, on the engine `ctx` works on: validates everything before writing anything
 * (the project folder, the agent, a project agent's trust, the engine), then mints an identity and
 * writes its metadata with the folder's resolved path, and its engine (unless the default one).
 * The container is launched by `launchNew`.
 */
export async function createBottleState(ctx: CoreDeps, request: StartBottleRequest): Promise<LoadedBottle> {
  requireReachableProject(ctx, request.copy);
  // Both engine round trips (the ping, and the facts the folder check and the CPU limit need) run
  // alongside the checks below; a refused folder or agent still reports first. The catches only
  // keep a rejection unobserved after such a refusal from being unhandled: the ping is awaited
  // below, and the facts are asked for again (not cached after a failure) where they are needed.
  const engine = engineInfo(ctx.connection);
  engine.catch((_error: unknown) => undefined);
  engineFacts(ctx.docker).catch((_error: unknown) => undefined);
  const cwd = await checkProjectFolder(ctx, request.cwd);
  const agent = await loadAgent(request.agent, cwd);
  await requireTrustedAgent(agent, cwd);
  const autonomous = request.autonomous === true;
  if (autonomous && agent.config.autonomousArgs.length === 0) {
    throw new BottleError('invalid-argument', `agent "${agent.name}" has no autonomous mode (agent.json "autonomousArgs")`);
  }
  const name = request.name === undefined ? null : requireBottleName(request.name);
  const task = request.prompt === undefined ? null : requireTaskText(request.prompt, 'task');
  if (task !== null) requireTaskable(agent);
  const net = request.net ?? DEFAULT_NETWORK_MODE;
  // The IPC and the CLI check it already; a request from anywhere else is checked here, before anything is written.
  if (!isNetworkMode(net)) throw new BottleError('invalid-argument', `network mode must be one of ${NETWORK_MODES.join(', ')}`);
  await engine;
  const identity = bottleIdentity(agent.name);
  // A project agent is recorded as `project:NAME`: a plain string the Python CLI reads as is.
  const metadata = { identity, agent_name: agent.name, cwd, copy_cwd: request.copy, started_at: isoNow() };
  const record = async (): Promise<void> => {
    // The engine first: a bottle whose metadata exists without it would be looked for on the default one.
    if (ctx.engine.name !== DEFAULT_CONTEXT) await writeEngineRecord(identity, ctx.engine.name);
    await writeMetadata(metadata);
    await writeCreatedAt(identity, metadata.started_at);
    await writeBottleOptions(identity, { autonomous, name, task });
  };
  // A name is checked and recorded in one hold of the names' lock: two starts cannot both take it.
  await (name === null ? record() : claimBottleName(name, record));
  // Always written, so the mode chosen now is the one every resume and rebuild finds (issue 19).
  await writeBottleNetwork(identity, { mode: net, allow: [], deny: [] });
  faultPoint('start-after-metadata');
  return { identity, metadata, agent };
}

export async function launchNew(ctx: CoreDeps, bottle: LoadedBottle): Promise<void> {
  await launch(ctx, bottle, false);
}

/**
 * Checks that a loaded bottle can be resumed here, before any work starts. The project folder gets
 * the same rule as at start whenever resume would use it (mount mode; copy mode without a saved
 * workspace), so a state folder written by hand cannot point a bottle at / or the state root.
 */
export async function checkResumable(ctx: CoreDeps, bottle: LoadedBottle): Promise<void> {
  const { metadata, identity } = bottle;
  requireReachableProject(ctx, metadata.copy_cwd);
  const usesFolder = !metadata.copy_cwd || !(await isDirectory(bottlePaths(identity).workspace));
  if (usesFolder) await checkProjectFolder(ctx, metadata.cwd, `project folder of ${identity}`);
  // A bottle stopped over its disk budget runs again only once the operator made room.
  if (ctx.engine.local) {
    const over = await hostWriteOverBudget(identity, await readLimits());
    if (over !== null) throw new BottleError('limit-exceeded', `cannot resume ${identity}: ${over}`);
  }
  await engineInfo(ctx.connection);
}

/**
 * Resumes a bottle with its recorded identity: a container that just exited is snapshotted and
 * replaced; transcript and workspace snapshots go into the new container before it starts.
 */
export async function resumeLoaded(ctx: CoreDeps, bottle: LoadedBottle): Promise<void> {
  const { identity } = bottle;
  const { ours: existing, other } = await bottleContainers(ctx.docker, identity);
  // Its name is taken by a container this root did not make: never replaced, never reused.
  if (existing === null && other !== null) throw otherInstanceError(identity, 'resumed');
  if (existing !== null) {
    if (existing.State === 'running' || existing.State === 'restarting' || existing.State === 'paused') {
      throw new BottleError('conflict', `bottle ${identity} is already running`);
    }
    const container = ctx.docker.getContainer(existing.Id);
    // A bottle from before issue 20 may hold a real login: it moves to the store once, now.
    await migrateContainerLogin(identity, container, bottle.agent);
    await saveSnapshotsFrom(ctx, container, bottle);
    await container.remove({ force: true });
  }
  const resumed = { ...bottle, metadata: { ...bottle.metadata, started_at: isoNow() } };
  await launch(ctx, resumed, true);
  await writeMetadata(resumed.metadata);
  // Running again: why it was stopped is history now.
  await clearStopReason(identity);
}

/**
 * Saves the transcript and, in copy mode, /workspace from the container (running or exited) into
 * the state folder. Both are copied out in full first and put in place only then, so a save that
 * fails (over the snapshot cap, say) replaces nothing: the old snapshots and the container stay.
 * The agent's login files (placeholders) stay out of the snapshot; nothing of them goes to the store.
 * `early`: what the teardown copied before the stop (teardown-snapshot.ts); a folder it holds
 * unchanged since is taken from there, any other is copied through the archive now. `as-paused`:
 * a snapshot of a container that goes on running takes every folder copied as the pause found it.
 */
export async function saveSnapshotsFrom(
  ctx: CoreDeps,
  container: EngineContainer,
  bottle: LoadedBottle,
  early: EarlyCopy | null = null,
  earlyIs: 'before-stop' | 'as-paused' = 'before-stop',
): Promise<void> {
  const paths = bottlePaths(bottle.identity);
  const { transcriptDir, secretFiles } = bottle.agent.config;
  // One budget for transcript and workspace together: the cap is on what the bottle keeps on disk.
  const budget = early?.budget ?? new SnapshotBudget((await readLimits()).maxSnapshotBytes);
  const extracted: ExtractedFolder[] = [];
  let kept = new Map<string, ExtractedFolder | null>();
  try {
    if (early !== null) kept = earlyIs === 'as-paused' ? keptAsPaused(early) : await keptAfterStop(early);
    const copy = async (source: string, dest: string, options: { exclude?: string[] } = {}): Promise<void> => {
      const folder = kept.has(source) ? (kept.get(source) ?? null) : await extractFolder(container, source, dest, budget, options);
      if (folder !== null) extracted.push(folder);
    };
    if (transcriptDir !== null) {
      ctx.activity.progress(bottle.identity, { line: 'Saving transcript' });
      await copy(transcriptDir, paths.transcript, { exclude: secretFiles });
    }
    if (bottle.metadata.copy_cwd) {
      ctx.activity.progress(bottle.identity, { line: 'Saving workspace' });
      await copy(WORKSPACE, paths.workspace);
    }
  } catch (error: unknown) {
    for (const folder of extracted) await discardExtracted(folder);
    for (const folder of kept.values()) await discardExtracted(folder);
    await discardEarly(early);
    if (!(error instanceof SnapshotTooLargeError)) throw error;
    throw new BottleError(
      'limit-exceeded',
      `the snapshot of ${bottle.identity} (${error.what}) is larger than its ${formatBytes(budget.limit)} cap (${snapshotCapHint()}); nothing was replaced: the previous snapshot and the container are kept`,
    );
  }
  for (const folder of extracted) await swapIntoPlace(folder);
}

/**
 * The snapshots of a bottle's current container, which goes on running (an approval's first
 * snapshot, taken while the image builds); false when it has none (nothing to save). A running
 * container on a local overlay2 engine is copied while paused, as it is at that moment
 * (teardown-snapshot.ts), rather than through the archive while it writes: a 10 MB transcript took
 * the archive ~130 ms, longer than a cached build, so the approval waited for it.
 */
export async function saveBottleSnapshots(ctx: CoreDeps, bottle: LoadedBottle): Promise<boolean> {
  const info = await findBottleContainer(ctx.docker, bottle.identity);
  if (info === null) return false;
  const container = ctx.docker.getContainer(info.Id);
  const paused = info.State === 'running' ? await copyBeforeStop(ctx, container, bottle) : null;
  await saveSnapshotsFrom(ctx, container, bottle, paused, 'as-paused');
  return true;
}

/**
 * Takes a bottle down with its state kept: stops its container, saves the transcript (and, in copy
 * mode, /workspace) from it, marks the bottle ready to resume, then removes the container. With
 * no container there is nothing to save and only the mark is written. Stop, remove --keep-state
 * and the last step of an approval all end a bottle this way. Without a loaded bottle it is loaded
 * here: metadata or an agent that cannot be loaded throws before anything is removed.
 */
export async function retireBottle(ctx: CoreDeps, identity: string, reason: TeardownReason, loaded?: LoadedBottle): Promise<void> {
  const info = await findBottleContainer(ctx.docker, identity);
  if (info === null) {
    await markReadyToResume(identity, reason);
    return;
  }
  const container = ctx.docker.getContainer(info.Id);
  const bottle = loaded ?? (await ctx.loadBottle(identity));
  await stopAndSave(ctx, container, bottle, info.State === 'running' || info.State === 'paused' || info.State === 'restarting');
  await markReadyToResume(identity, reason);
  await container.remove({ force: true });
}

/**
 * The teardown's snapshot: stops the container (when `running`) and saves its transcript (and, in
 * copy mode, /workspace) as it is once stopped. On a local overlay2 engine the folders are copied
 * directly while it is paused just before the stop, and kept when nothing changed in them after
 * (teardown-snapshot.ts); otherwise, and for any folder that changed, through the engine's archive.
 */
export async function stopAndSave(ctx: CoreDeps, container: EngineContainer, bottle: LoadedBottle, running: boolean): Promise<void> {
  const early = running ? await copyBeforeStop(ctx, container, bottle) : null;
  try {
    if (running) {
      // Exited or removed meanwhile (304, 404) or already stopping (409): the save below reads what
      // is there. Any other failure (the engine away) stops the teardown here, with its own error.
      await ifContainerExists(container.stop({ t: 10 }), ALREADY_DONE);
    }
    // A container an older version launched (every launch since records the bottle as migrated) may
    // hold the real login: it moves to the store once, as at a resume, before the container goes.
    await migrateContainerLogin(bottle.identity, container, bottle.agent);
  } catch (error: unknown) {
    await discardEarly(early);
    throw error;
  }
  await saveSnapshotsFrom(ctx, container, bottle, early);
}

/** Stop: the transcript (and workspace in copy mode) are saved before the container goes. */
export async function stopNow(ctx: CoreDeps, identity: string): Promise<void> {
  await engineInfo(ctx.connection);
  const { ours: info, other } = await bottleContainers(ctx.docker, identity);
  if (info === null && other !== null) throw otherInstanceError(identity, 'stopped');
  if (info === null) throw new BottleError('not-found', `bottle ${identity} has no container to stop`);
  if ((await readMetadataResult(identity)).status === 'missing') {
    // A true orphan: no state folder of ours, so nothing to save or mark.
    await ctx.docker.getContainer(info.Id).remove({ force: true });
    return;
  }
  await retireBottle(ctx, identity, 'stopped');
}

/**
 * Removes the container and, unless keepState, the bottle's state folder and its rebuilt image.
 * Only what this state root made: another instance's container is refused, never touched.
 */
export async function removeNow(ctx: CoreDeps, identity: string, options: { keepState: boolean }): Promise<RemoveOutcome> {
  const paths = bottlePaths(identity);
  const hasState = (await ifExists(stat(paths.dir))) !== null;
  await engineInfo(ctx.connection);
  const { ours: info, other } = await bottleContainers(ctx.docker, identity);
  if (info === null && !hasState && other !== null) throw otherInstanceError(identity, 'removed');
  if (info === null && !hasState) throw new BottleError('not-found', `no bottle ${identity} (no container, no state under ${stateRoot()})`);
  // Keeping the state means keeping the agent's work: saved before the container goes.
  if (options.keepState && hasState) {
    await retireBottle(ctx, identity, 'stopped');
    return { image: 'kept' };
  }
  if (info !== null) {
    // Nothing is taken from it (issue 20): a bottle holds placeholders, and what it wrote is not trusted.
    await ctx.docker.getContainer(info.Id).remove({ force: true });
  }
  // Its own network (issue 19) goes with it; a bottle stopped with its state keeps it for the resume.
  if (!options.keepState) await removeBottleNetwork(ctx.docker, identity);
  if (hasState) await rm(paths.dir, { recursive: true, force: true });
  // The last bottle of this root on the engine takes the gateway and its egress bridge along (after
  // the bottle itself is gone: a failure here must not leave half a bottle behind); what a crashed
  // sign-in left (sign-in-leftovers.ts) would keep them, so it goes first.
  if (!options.keepState) {
    await removeSignInLeftovers(ctx.docker);
    await retireRouteWhenIdle(ctx);
  }
  if (options.keepState) return { image: 'kept' };
  return { image: await removeRebuiltImage(ctx, identity) };
}
