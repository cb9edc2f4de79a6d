import { readFileSync } from 'node:fs';
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import createIgnore from '@balena/dockerignore';
import type Docker from 'dockerode';
import { recordBaseline } from '../changes/baseline';
import { putFolders, recoverSnapshotSwap, type ArchiveSource } from '../engine/container-archive';
import { resolveUser, type PasswdEntry } from '../engine/container-user';
import { cachedImagePasswd, readAndCacheImagePasswd } from '../engine/image-users';
import { writeFileAtomic } from '../fs/atomic-write';
import type { BottleContext } from '../services/bottle-context';
import { clearReadyToResume } from '../state/lifecycle-marker';
import { bottlePaths, imageCacheDir } from '../state/state-paths';
import { currentDockerfileFor, imageForLaunch } from './bottle-image';
import { containerCreateOptions, passthroughEnv, WORKSPACE } from './container-spec';
import type { LoadedBottle } from './loaded-bottle';
import { bottleToolDir } from './resources';

/** `.dockerignore` in the project folder, applied when copying it into the bottle. */
export function projectIgnore(cwd: string): ((relativePath: string) => boolean) | undefined {
  let text: string;
  try {
    text = readFileSync(join(cwd, '.dockerignore'), 'utf8');
  } catch {
    // No .dockerignore (the usual case): everything is copied.
    return undefined;
  }
  const matcher = createIgnore().add(text.split('\n'));
  return (relativePath: string) => relativePath !== '' && matcher.ignores(relativePath);
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((info) => info.isDirectory(), () => false);
}

/** The agent's user must be able to write its inbox whatever uid the operator has on the host. */
async function handOverInbox(inbox: string, uid: number, gid: number): Promise<void> {
  if (process.getuid?.() === 0) await chown(inbox, uid, gid);
  else if (process.getuid?.() !== uid) await chmod(inbox, 0o777);
}

/**
 * Creates and starts the bottle's container: image chosen (and built if needed), the bottle's own
 * folders prepared, transcript and (copy mode) workspace put in owned by the agent's user, then
 * started. Shared by start and resume, like the Python CLI's `_launch_bottle`.
 */
export async function launch(ctx: BottleContext, bottle: LoadedBottle, resume: boolean): Promise<Docker.Container> {
  const { identity, metadata, agent } = bottle;
  const paths = bottlePaths(identity);
  const progress = (update: { step: number | null; totalSteps: number | null; line: string }): void => ctx.activity.progress(identity, update);
  ctx.activity.progress(identity, { line: resume ? 'Preparing image for resume' : 'Preparing image' });
  const image = await imageForLaunch(ctx, bottle, progress);
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
    cachedImagePasswd(imageCacheDir(), imageInfo.Id),
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
      passwd = await readAndCacheImagePasswd(imageCacheDir(), imageInfo.Id, container);
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
      const snapshot = resume && (await isDirectory(paths.transcript));
      if (snapshot) sources.push({ target: transcriptDir, from: paths.transcript });
      else if (handOver) sources.push({ target: transcriptDir, from: null });
    }
    // What the agent starts from, taken just before it gets the folder; resume and rebuild keep the first.
    if (!resume) await recordBaseline(identity, metadata.cwd, metadata.copy_cwd);
    if (metadata.copy_cwd) {
      await recoverSnapshotSwap(paths.workspace);
      const snapshot = resume && (await isDirectory(paths.workspace));
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
