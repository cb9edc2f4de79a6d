import { chmod, chown, mkdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import createIgnore from '@balena/dockerignore';
import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import type { StartBottleRequest } from '../../shared/ipc-contract';
import { parseIdentity } from '../../shared/identity';
import { pinAgent } from '../agents/agent-pin';
import { loadAgent, type AgentDefinition } from '../agents/agents';
import { writeFileAtomic } from '../state/atomic-write';
import type { BottleContext } from '../services/bottle-context';
import { BottleError } from '../services/bottle-error';
import { bottleIdentity } from '../state/bottle-identity';
import { currentDockerfileFor, imageForLaunch, loadBottleAgent } from './bottle-image';
import { containerCreateOptions, passthroughEnv, WORKSPACE } from './container-spec';
import { findBottleContainer } from '../engine/bottle-containers';
import { copyFolderOut, putFolders, recoverSnapshotSwap, type ArchiveSource } from '../engine/container-archive';
import { resolveUser, type PasswdEntry } from '../engine/container-user';
import { cachedImagePasswd, readAndCacheImagePasswd } from '../engine/image-users';
import { engineInfo } from '../engine/docker-client';
import { faultPoint } from './fault-point';
import { clearReadyToResume, markReadyToResume, type TeardownReason } from '../state/lifecycle-marker';
import { isoNow, readMetadataResult, writeMetadata, type BottleMetadata } from '../state/metadata';
import { bottleToolDir } from './resources';
import { bottlePaths, stateRoot } from '../state/state-paths';

async function requireDirectory(path: string, what: string): Promise<void> {
  if (!isAbsolute(path)) throw new BottleError('invalid-argument', `${what} must be an absolute path: ${path}`);
  const info = await stat(path).catch(() => null);
  if (info === null) throw new BottleError('not-found', `${what} does not exist: ${path}`);
  if (!info.isDirectory()) throw new BottleError('invalid-argument', `${what} is not a folder: ${path}`);
}

/** `.dockerignore` in the project folder, applied when copying it into the bottle. */
function projectIgnore(cwd: string): ((relativePath: string) => boolean) | undefined {
  let text: string;
  try {
    text = readFileSync(join(cwd, '.dockerignore'), 'utf8');
  } catch {
    return undefined;
  }
  const matcher = createIgnore().add(text.split('\n'));
  return (relativePath: string) => relativePath !== '' && matcher.ignores(relativePath);
}

function progressTo(ctx: BottleContext, identity: string) {
  return (progress: { step: number | null; totalSteps: number | null; line: string }): void =>
    ctx.activity.progress(identity, progress);
}

/**
 * Creates and starts the bottle's container: image chosen (and built if needed), the bottle's own
 * folders prepared, transcript and (copy mode) workspace put in owned by the agent's user, then
 * started. Shared by start and resume, like the Python CLI's `_launch_bottle`.
 */
async function launch(ctx: BottleContext, metadata: BottleMetadata, agent: AgentDefinition, resume: boolean): Promise<Docker.Container> {
  const identity = metadata.identity;
  const paths = bottlePaths(identity);
  ctx.activity.progress(identity, { line: resume ? 'Preparing image for resume' : 'Preparing image' });
  const image = await imageForLaunch(ctx, identity, agent, progressTo(ctx, identity));
  const imageInfo = await ctx.docker.getImage(image).inspect();
  const imagePath = imageInfo.Config.Env?.find((entry) => entry.startsWith('PATH='))?.slice(5) ?? null;
  const agentUser = agent.config.user ?? (imageInfo.Config.User || null);

  // Mount mode: run as the project folder's owner, so the agent can write the folder and what it
  // creates belongs to the operator, whatever uid that is. Copy mode: the agent's own user.
  let runUser = agentUser;
  if (!metadata.copy_cwd) {
    const owner = await stat(metadata.cwd);
    runUser = `${owner.uid}:${owner.gid}`;
  }

  const [, , cachedPasswd] = await Promise.all([
    mkdir(paths.inbox, { recursive: true, mode: 0o700 }),
    currentDockerfileFor(identity, agent).then((dockerfile) => writeFileAtomic(paths.runDockerfile, dockerfile, 0o644)),
    cachedImagePasswd(imageInfo.Id),
  ]);

  const create = (home: string | null): Promise<Docker.Container> =>
    ctx.docker.createContainer(
      containerCreateOptions({
        identity,
        agentName: agent.name,
        agent: agent.config,
        image,
        imagePath,
        command: resume ? agent.config.resumeCommand : agent.config.command,
        user: runUser,
        home,
        mountCwd: metadata.copy_cwd ? null : metadata.cwd,
        toolDir: bottleToolDir(),
        passthroughEnv: passthroughEnv(agent.config.env),
      }),
    );
  // Docker derives HOME from the run uid; when that is not the agent's own user (mount mode
  // under another uid) HOME must point at the agent's home, where its transcript lives.
  const homeOverride = (passwd: PasswdEntry[]): string | null => {
    const agentHome = resolveUser(agentUser, passwd).home;
    return resolveUser(runUser, passwd).home === agentHome ? null : agentHome;
  };
  let container = await create(cachedPasswd === null ? null : homeOverride(cachedPasswd));
  try {
    let passwd = cachedPasswd;
    if (passwd === null) {
      passwd = await readAndCacheImagePasswd(imageInfo.Id, container);
      if (homeOverride(passwd) !== null) {
        await container.remove({ force: true });
        container = await create(homeOverride(passwd));
      }
    }
    const run = resolveUser(runUser, passwd);
    const owner = resolveUser(agentUser, passwd);
    const home = owner.home;
    await handOverInbox(paths.inbox, run.uid, run.gid);

    // The agent's home and transcript folder already belong to it unless it runs under another
    // uid; then they are handed over (created empty) so it can write them.
    const handOver = run.uid !== owner.uid;
    const sources: ArchiveSource[] = [];
    if (handOver && home !== '/' && home !== '') sources.push({ target: home, from: null });
    const transcriptDir = agent.config.transcriptDir;
    if (transcriptDir !== null) {
      await recoverSnapshotSwap(paths.transcript);
      const snapshot = resume && (await stat(paths.transcript).then((info) => info.isDirectory(), () => false));
      if (snapshot) sources.push({ target: transcriptDir, from: paths.transcript });
      else if (handOver) sources.push({ target: transcriptDir, from: null });
    }
    if (metadata.copy_cwd) {
      await recoverSnapshotSwap(paths.workspace);
      const snapshot = resume && (await stat(paths.workspace).then((info) => info.isDirectory(), () => false));
      sources.push(snapshot ? { target: WORKSPACE, from: paths.workspace } : { target: WORKSPACE, from: metadata.cwd, ignore: projectIgnore(metadata.cwd) });
    }
    if (sources.length > 0) await putFolders(container, sources, run);
    await clearReadyToResume(identity);
    await container.start();
    return container;
  } catch (error: unknown) {
    // A container that never started holds nothing of the agent's: remove it, keep the state.
    await container.remove({ force: true }).catch(() => undefined);
    throw error;
  }
}

/** The agent's user must be able to write its inbox whatever uid the operator has on the host. */
async function handOverInbox(inbox: string, uid: number, gid: number): Promise<void> {
  if (process.getuid?.() === 0) await chown(inbox, uid, gid);
  else if (process.getuid?.() !== uid) await chmod(inbox, 0o777);
}

/** Starts a new bottle: validates everything before writing anything, then mints an identity. */
export async function startBottle(ctx: BottleContext, request: StartBottleRequest): Promise<{ identity: string }> {
  await requireDirectory(request.cwd, 'project folder');
  const agent = await loadAgent(request.agent, request.cwd);
  await engineInfo(ctx.connection);
  const identity = bottleIdentity(agent.name);
  const metadata: BottleMetadata = { identity, agent_name: agent.name, cwd: request.cwd, copy_cwd: request.copy, started_at: isoNow() };
  await writeMetadata(metadata);
  await pinAgent(identity, agent);
  faultPoint('start-after-metadata');
  await ctx.activity.run(identity, 'starting', () => launch(ctx, metadata, agent, false));
  return { identity };
}

/**
 * Resumes a bottle with its recorded identity: a container that just exited is snapshotted and
 * replaced; transcript and workspace snapshots go into the new container before it starts.
 */
export async function resumeBottle(ctx: BottleContext, identity: string): Promise<{ identity: string }> {
  parseIdentity(identity);
  const { metadata, agent } = await loadBottleAgent(identity).catch((error: unknown) => {
    if (error instanceof BottleError && error.code === 'not-found' && error.message.startsWith('no bottle')) {
      throw new BottleError('not-found', `no state for bottle ${identity} under ${stateRoot()}; nothing to resume`);
    }
    throw error;
  });
  if (!metadata.copy_cwd) await requireDirectory(metadata.cwd, `project folder of ${identity}`);
  await engineInfo(ctx.connection);
  await ctx.activity.run(identity, 'resuming', async () => {
    const existing = await findBottleContainer(ctx.docker, identity);
    if (existing !== null) {
      if (existing.State === 'running' || existing.State === 'restarting' || existing.State === 'paused') {
        throw new BottleError('conflict', `bottle ${identity} is already running`);
      }
      await saveSnapshotsFrom(ctx, ctx.docker.getContainer(existing.Id), metadata, agent);
      await ctx.docker.getContainer(existing.Id).remove({ force: true });
    }
    const resumed = { ...metadata, started_at: isoNow() };
    await launch(ctx, resumed, agent, true);
    await writeMetadata(resumed);
  });
  return { identity };
}

async function saveSnapshotsFrom(ctx: BottleContext, container: Docker.Container, metadata: BottleMetadata, agent: AgentDefinition): Promise<void> {
  const paths = bottlePaths(metadata.identity);
  ctx.activity.progress(metadata.identity, { line: 'Saving transcript' });
  if (agent.config.transcriptDir !== null) await copyFolderOut(container, agent.config.transcriptDir, paths.transcript);
  if (metadata.copy_cwd) {
    ctx.activity.progress(metadata.identity, { line: 'Saving workspace' });
    await copyFolderOut(container, WORKSPACE, paths.workspace);
  }
}

/**
 * Saves the transcript and, in copy mode, /workspace from the bottle's container (running or
 * exited) into the state folder, replacing the old snapshots only once the new ones are complete.
 */
export async function saveBottleSnapshots(ctx: BottleContext, identity: string): Promise<void> {
  const { metadata, agent } = await loadBottleAgent(identity);
  const info = await findBottleContainer(ctx.docker, identity);
  if (info === null) throw new BottleError('not-found', `bottle ${identity} has no container to save from`);
  await saveSnapshotsFrom(ctx, ctx.docker.getContainer(info.Id), metadata, agent);
}

/**
 * Takes a bottle down with its state kept: stops its container, saves the transcript (and, in copy
 * mode, /workspace) from it, marks the bottle ready to resume, then removes the container. With
 * no container there is nothing to save and only the mark is written. Stop, remove --keep-state
 * and the last step of an approval all end a bottle this way.
 */
export async function retireBottle(ctx: BottleContext, identity: string, reason: TeardownReason): Promise<void> {
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
  // Metadata or agent that cannot be loaded throws here, before anything is removed.
  const { metadata, agent } = await loadBottleAgent(identity);
  await saveSnapshotsFrom(ctx, container, metadata, agent);
  await markReadyToResume(identity, reason);
  await container.remove({ force: true });
}

/** Stop: the transcript (and workspace in copy mode) are saved before the container goes. */
export async function stopBottle(ctx: BottleContext, identity: string): Promise<void> {
  parseIdentity(identity);
  await engineInfo(ctx.connection);
  await ctx.activity.run(identity, 'stopping', async () => {
    const info = await findBottleContainer(ctx.docker, identity);
    if (info === null) throw new BottleError('not-found', `bottle ${identity} has no container to stop`);
    if ((await readMetadataResult(identity)).status === 'missing') {
      // A true orphan: no state folder of ours, so nothing to save or mark.
      await ctx.docker.getContainer(info.Id).remove({ force: true });
      return;
    }
    await retireBottle(ctx, identity, 'stopped');
  });
}

/** Removes the container and, unless keepState, the bottle's state folder. */
export async function removeBottle(ctx: BottleContext, identity: string, options: { keepState: boolean }): Promise<void> {
  parseIdentity(identity);
  const paths = bottlePaths(identity);
  const hasState = await stat(paths.dir).then(() => true, () => false);
  await engineInfo(ctx.connection);
  await ctx.activity.run(identity, 'removing', async () => {
    const info = await findBottleContainer(ctx.docker, identity);
    if (info === null && !hasState) throw new BottleError('not-found', `no bottle ${identity} (no container, no state under ${stateRoot()})`);
    // Keeping the state means keeping the agent's work: saved before the container goes.
    if (options.keepState && hasState) return retireBottle(ctx, identity, 'stopped');
    if (info !== null) await ctx.docker.getContainer(info.Id).remove({ force: true });
    if (hasState) await rm(paths.dir, { recursive: true, force: true });
  });
}
