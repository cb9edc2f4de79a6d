import { rm, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type Docker from 'dockerode';
import type { StartBottleRequest } from '../../shared/bottle-view';
import { pinAgent } from '../agents/agent-pin';
import { loadAgent } from '../agents/agents';
import { findBottleContainer } from '../engine/bottle-containers';
import { copyFolderOut } from '../engine/container-archive';
import { engineInfo } from '../engine/docker-client';
import type { BottleContext } from '../services/bottle-context';
import { BottleError } from '../services/bottle-error';
import { DEFAULT_CONTEXT } from '../engine/docker-contexts';
import { writeEngineRecord } from '../state/bottle-engine';
import { bottleIdentity } from '../state/bottle-identity';
import { markReadyToResume, type TeardownReason } from '../state/lifecycle-marker';
import { isoNow, readMetadataResult, writeMetadata } from '../state/metadata';
import { bottlePaths, stateRoot } from '../state/state-paths';
import { WORKSPACE } from './container-spec';
import { faultPoint } from './fault-point';
import { launch } from './launch';
import type { LoadedBottle } from './loaded-bottle';

/*
 * The bottle lifecycle's steps. None of them takes the bottle's lock or settles a half-done
 * approval: the bottle service does both, once, around whatever steps an operation runs.
 */

async function requireDirectory(path: string, what: string): Promise<void> {
  if (!isAbsolute(path)) throw new BottleError('invalid-argument', `${what} must be an absolute path: ${path}`);
  const info = await stat(path).catch(() => null);
  if (info === null) throw new BottleError('not-found', `${what} does not exist: ${path}`);
  if (!info.isDirectory()) throw new BottleError('invalid-argument', `${what} is not a folder: ${path}`);
}

/** A remote engine cannot see this machine's folders: a bottle there works on a copy. */
function requireReachableProject(ctx: BottleContext, copy: boolean): void {
  if (copy || ctx.engine.local) return;
  throw new BottleError(
    'unsupported',
    `mount mode needs the project folder on the engine's own machine, and engine "${ctx.engine.name}" is reached over ${ctx.connection.endpoint.host.split('://')[0] ?? 'the network'}: start it with --copy (copy mode), and bring the work home from the bottle`,
  );
}

/**
 * A new bottle's state, on the engine `ctx` works on: validates everything before writing
 * anything, then mints an identity and writes its metadata, its engine (unless the default one)
 * and its agent pin. The container is launched by `launchNew`.
 */
export async function createBottleState(ctx: BottleContext, request: StartBottleRequest): Promise<LoadedBottle> {
  await requireDirectory(request.cwd, 'project folder');
  requireReachableProject(ctx, request.copy);
  const agent = await loadAgent(request.agent, request.cwd);
  await engineInfo(ctx.connection);
  const identity = bottleIdentity(agent.name);
  const metadata = { identity, agent_name: agent.name, cwd: request.cwd, copy_cwd: request.copy, started_at: isoNow() };
  // The engine first: a bottle whose metadata exists without it would be looked for on the default one.
  if (ctx.engine.name !== DEFAULT_CONTEXT) await writeEngineRecord(identity, ctx.engine.name);
  await writeMetadata(metadata);
  await pinAgent(identity, agent);
  faultPoint('start-after-metadata');
  return { identity, metadata, agent };
}

export async function launchNew(ctx: BottleContext, bottle: LoadedBottle): Promise<void> {
  await launch(ctx, bottle, false);
}

/** Checks that a loaded bottle can be resumed here, before any work starts. */
export async function checkResumable(ctx: BottleContext, bottle: LoadedBottle): Promise<void> {
  requireReachableProject(ctx, bottle.metadata.copy_cwd);
  if (!bottle.metadata.copy_cwd) await requireDirectory(bottle.metadata.cwd, `project folder of ${bottle.identity}`);
  await engineInfo(ctx.connection);
}

/**
 * Resumes a bottle with its recorded identity: a container that just exited is snapshotted and
 * replaced; transcript and workspace snapshots go into the new container before it starts.
 */
export async function resumeLoaded(ctx: BottleContext, bottle: LoadedBottle): Promise<void> {
  const { identity } = bottle;
  const existing = await findBottleContainer(ctx.docker, identity);
  if (existing !== null) {
    if (existing.State === 'running' || existing.State === 'restarting' || existing.State === 'paused') {
      throw new BottleError('conflict', `bottle ${identity} is already running`);
    }
    const container = ctx.docker.getContainer(existing.Id);
    await saveSnapshotsFrom(ctx, container, bottle);
    await container.remove({ force: true });
  }
  const resumed = { ...bottle, metadata: { ...bottle.metadata, started_at: isoNow() } };
  await launch(ctx, resumed, true);
  await writeMetadata(resumed.metadata);
}

/**
 * Saves the transcript and, in copy mode, /workspace from the container (running or exited) into
 * the state folder, replacing the old snapshots only once the new ones are complete.
 */
export async function saveSnapshotsFrom(ctx: BottleContext, container: Docker.Container, bottle: LoadedBottle): Promise<void> {
  const paths = bottlePaths(bottle.identity);
  ctx.activity.progress(bottle.identity, { line: 'Saving transcript' });
  if (bottle.agent.config.transcriptDir !== null) await copyFolderOut(container, bottle.agent.config.transcriptDir, paths.transcript);
  if (bottle.metadata.copy_cwd) {
    ctx.activity.progress(bottle.identity, { line: 'Saving workspace' });
    await copyFolderOut(container, WORKSPACE, paths.workspace);
  }
}

/** The snapshots of a bottle's current container; false when it has none (nothing to save). */
export async function saveBottleSnapshots(ctx: BottleContext, bottle: LoadedBottle): Promise<boolean> {
  const info = await findBottleContainer(ctx.docker, bottle.identity);
  if (info === null) return false;
  await saveSnapshotsFrom(ctx, ctx.docker.getContainer(info.Id), bottle);
  return true;
}

/**
 * Takes a bottle down with its state kept: stops its container, saves the transcript (and, in copy
 * mode, /workspace) from it, marks the bottle ready to resume, then removes the container. With
 * no container there is nothing to save and only the mark is written. Stop, remove --keep-state
 * and the last step of an approval all end a bottle this way. Without a loaded bottle it is loaded
 * here: metadata or an agent that cannot be loaded throws before anything is removed.
 */
export async function retireBottle(ctx: BottleContext, identity: string, reason: TeardownReason, loaded?: LoadedBottle): Promise<void> {
  const info = await findBottleContainer(ctx.docker, identity);
  if (info === null) {
    await markReadyToResume(identity, reason);
    return;
  }
  const container = ctx.docker.getContainer(info.Id);
  if (info.State === 'running' || info.State === 'paused' || info.State === 'restarting') {
    // A failed stop (e.g. it exited meanwhile) surfaces, if it matters, in the save below.
    await container.stop({ t: 10 }).catch(() => undefined);
  }
  const bottle = loaded ?? (await ctx.loadBottle(identity));
  await saveSnapshotsFrom(ctx, container, bottle);
  await markReadyToResume(identity, reason);
  await container.remove({ force: true });
}

/** Stop: the transcript (and workspace in copy mode) are saved before the container goes. */
export async function stopNow(ctx: BottleContext, identity: string): Promise<void> {
  await engineInfo(ctx.connection);
  const info = await findBottleContainer(ctx.docker, identity);
  if (info === null) throw new BottleError('not-found', `bottle ${identity} has no container to stop`);
  if ((await readMetadataResult(identity)).status === 'missing') {
    // A true orphan: no state folder of ours, so nothing to save or mark.
    await ctx.docker.getContainer(info.Id).remove({ force: true });
    return;
  }
  await retireBottle(ctx, identity, 'stopped');
}

/** Removes the container and, unless keepState, the bottle's state folder. */
export async function removeNow(ctx: BottleContext, identity: string, options: { keepState: boolean }): Promise<void> {
  const paths = bottlePaths(identity);
  const hasState = await stat(paths.dir).then(() => true, () => false);
  await engineInfo(ctx.connection);
  const info = await findBottleContainer(ctx.docker, identity);
  if (info === null && !hasState) throw new BottleError('not-found', `no bottle ${identity} (no container, no state under ${stateRoot()})`);
  // Keeping the state means keeping the agent's work: saved before the container goes.
  if (options.keepState && hasState) return retireBottle(ctx, identity, 'stopped');
  if (info !== null) await ctx.docker.getContainer(info.Id).remove({ force: true });
  if (hasState) await rm(paths.dir, { recursive: true, force: true });
}
