import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import type Docker from 'dockerode';
import { requireTrustedAgent } from '../agents/agent-trust';
import { projectIgnore, recordBaseline } from '../changes/baseline';
import { launchSecrets, plainEnvNames } from '../credentials/agent-secrets';
import { moveSnapshotSecretsToStore } from '../credentials/credential-pickup';
import { putFolders, recoverSnapshotSwap, ROOT_OWNER, type ArchiveEntry, type ArchiveSource } from '../engine/container-archive';
import { resolveExecUser, resolveUser, type PasswdEntry } from '../engine/container-user';
import { engineFacts } from '../engine/engine-facts';
import { cachedImagePasswd, readAndCacheImagePasswd } from '../engine/image-users';
import { writeFileAtomic } from '../fs/atomic-write';
import type { CoreDeps } from '../deps/core-deps';
import { readBottleOptions } from '../state/bottle-options';
import { clearReadyToResume } from '../state/lifecycle-marker';
import { bottleCpus, readLimits } from '../state/limits';
import { bottlePaths, imageCacheDir } from '../state/state-paths';
import { currentDockerfileFor, imageForLaunch } from './bottle-image';
import { hostConfigEntries, launchCommand, rootEnvFor, secretEntries } from './bottle-setup';
import { containerCreateOptions, passthroughEnv, type ContainerLimits } from './container-spec';
import { RUN_MOUNT, TOOL_MOUNT, WORKSPACE } from '../engine/bottle-mounts';
import { prepareGitControl } from './git-control-mounts';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { bottleToolDir } from '../base/resources';
import { isDirectory } from '../fs/is-directory';

interface CreatePlan {
  home: string | null;
  extraEnv: string[];
}


/**
 * What a local engine bind-mounts, put into the container instead on a remote one: the in-bottle
 * tool and the bottle's Dockerfile (root's, read-only to the agent), and an empty inbox the agent
 * owns (read back through the engine's API).
 */
function remoteSupervision(dockerfile: string, inbox: string): { sources: ArchiveSource[]; entries: ArchiveEntry[] } {
  return {
    sources: [
      { target: TOOL_MOUNT, from: bottleToolDir(), owner: ROOT_OWNER, readOnly: true },
      { target: RUN_MOUNT, from: null, owner: ROOT_OWNER },
      // What the inbox held (requests and their answers) goes with the bottle across a rebuild, as
      // the bind-mounted inbox of a local bottle does.
      { target: `${RUN_MOUNT}/inbox`, from: inbox },
    ],
    entries: [{ target: `${RUN_MOUNT}/Dockerfile`, type: 'file', content: Buffer.from(dockerfile), mode: 0o444, owner: ROOT_OWNER }],
  };
}

/** The agent's user must be able to write its inbox whatever uid the operator has on the host. */
async function handOverInbox(inbox: string, uid: number, gid: number): Promise<void> {
  if (process.getuid?.() === 0) await chown(inbox, uid, gid);
  else if (process.getuid?.() !== uid) await chmod(inbox, 0o777);
}

/** CPU and log limits for a launch: settings.json, and the engine's own CPU count. */
async function containerLimits(ctx: CoreDeps): Promise<ContainerLimits> {
  const [limits, facts] = await Promise.all([readLimits(), engineFacts(ctx.docker)]);
  return { cpus: bottleCpus(limits, facts.cpus), logMaxSize: limits.logMaxSize, logMaxFiles: limits.logMaxFiles };
}

/** The run uid a Docker `User` gives before the image's passwd is known: null when it names a user. */
function uidBeforePasswd(user: string | null): number | null {
  const name = (user ?? '').split(':')[0] ?? '';
  if (name === '' || name === 'root') return 0;
  return /^\d+$/.test(name) ? Number(name) : null;
}

/**
 * Creates and starts the bottle's container: image chosen (and built if needed), the bottle's own
 * folders prepared, transcript and (copy mode) workspace put in owned by the agent's user, with
 * the agent's login and secrets (and, at a first start, the operator's own setup), then started.
 * Shared by start and resume, like the Python CLI's `_launch_bottle`. A project agent is built and
 * run (and given its passthrough variables) only while the operator trusts it as it is.
 */
export async function launch(ctx: CoreDeps, bottle: LoadedBottle, resume: boolean): Promise<Docker.Container> {
  const { identity, metadata, agent } = bottle;
  await requireTrustedAgent(agent, metadata.cwd);
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
  let folderOwner = { uid: 0, gid: 0 };
  if (!metadata.copy_cwd) {
    folderOwner = await stat(metadata.cwd);
    runUser = `${folderOwner.uid}:${folderOwner.gid}`;
  }

  const options = readBottleOptions(identity);
  const transcriptDir = agent.config.transcriptDir;
  if (transcriptDir !== null) {
    await recoverSnapshotSwap(paths.transcript);
    // A login an older version saved into the snapshot moves to the store first, so it goes in.
    if (resume && (await isDirectory(paths.transcript))) await moveSnapshotSecretsToStore(paths.transcript, agent);
  }
  const secrets = await launchSecrets(agent);
  const command = launchCommand(agent, options, resume, secrets);

  const [, dockerfile, cachedPasswd, limits] = await Promise.all([
    mkdir(paths.inbox, { recursive: true, mode: 0o700 }),
    currentDockerfileFor(identity, agent).then(async (text) => {
      await writeFileAtomic(paths.runDockerfile, text, 0o644);
      return text;
    }),
    cachedImagePasswd(imageCacheDir(), imageInfo.Id),
    containerLimits(ctx),
  ]);
  const hostMounts = ctx.engine.local;
  // Whatever git would read if the agent created it must exist before it is mounted read-only.
  if (hostMounts && !metadata.copy_cwd) prepareGitControl(metadata.cwd, folderOwner);

  const create = ({ home, extraEnv }: CreatePlan): Promise<Docker.Container> =>
    ctx.docker.createContainer(
      containerCreateOptions({
        identity,
        agentName: agent.name,
        agent: agent.config,
        image,
        imagePath,
        command,
        user: runUser,
        home,
        mountCwd: metadata.copy_cwd ? null : metadata.cwd,
        toolDir: bottleToolDir(),
        hostMounts,
        passthroughEnv: passthroughEnv(plainEnvNames(agent.config)),
        limits,
        extraEnv,
      }),
    );
  // Docker derives HOME from the run uid; when that is not the agent's own user (mount mode
  // under another uid) HOME must point at the agent's home, where its transcript lives. As uid 0
  // the agent may need its rootEnv (Claude Code: IS_SANDBOX=1 to accept autonomous mode).
  const planFor = (passwd: PasswdEntry[] | null): CreatePlan => {
    if (passwd === null) return { home: null, extraEnv: rootEnvFor(agent, uidBeforePasswd(runUser) ?? -1) };
    const agentHome = resolveUser(agentUser, passwd).home;
    // Root is the uid the image's passwd gives, as the engine resolves it, never how the name reads.
    const run = resolveExecUser(runUser, passwd);
    return { home: run === null || run.home === agentHome ? null : agentHome, extraEnv: rootEnvFor(agent, run?.uid ?? -1) };
  };
  let plan = planFor(cachedPasswd);
  let container = await create(plan);
  try {
    let passwd = cachedPasswd;
    if (passwd === null) {
      passwd = await readAndCacheImagePasswd(imageCacheDir(), imageInfo.Id, container);
      const known = planFor(passwd);
      if (JSON.stringify(known) !== JSON.stringify(plan)) {
        await container.remove({ force: true });
        plan = known;
        container = await create(plan);
      }
    }
    const run = resolveUser(runUser, passwd);
    const owner = resolveUser(agentUser, passwd);
    const home = owner.home;
    if (hostMounts) await handOverInbox(paths.inbox, run.uid, run.gid);

    // The agent's home and transcript folder already belong to it unless it runs under another
    // uid; then they are handed over (created empty) so it can write them.
    const handOver = run.uid !== owner.uid;
    const supervision = hostMounts ? { sources: [], entries: [] } : remoteSupervision(dockerfile, paths.inbox);
    const sources: ArchiveSource[] = supervision.sources;
    if (handOver && home !== '/' && home !== '') sources.push({ target: home, from: null });
    const snapshot = resume && transcriptDir !== null && (await isDirectory(paths.transcript));
    const entries: ArchiveEntry[] = [
      ...supervision.entries,
      ...(resume ? [] : await hostConfigEntries(container, agent, (line) => ctx.activity.progress(identity, { line }))),
      ...secretEntries(secrets),
    ];
    if (transcriptDir !== null) {
      if (snapshot) sources.push({ target: transcriptDir, from: paths.transcript });
      // The config folder must exist, and be the agent's, before anything goes into it.
      else if (handOver || entries.some((entry) => entry.target.startsWith(`${transcriptDir}/`))) sources.push({ target: transcriptDir, from: null });
    }
    // What the agent starts from, taken just before it gets the folder; resume and rebuild keep the first.
    if (!resume) await recordBaseline(identity, metadata.cwd, metadata.copy_cwd);
    if (metadata.copy_cwd) {
      await recoverSnapshotSwap(paths.workspace);
      const snapshot = resume && (await isDirectory(paths.workspace));
      sources.push(snapshot ? { target: WORKSPACE, from: paths.workspace } : { target: WORKSPACE, from: metadata.cwd, ignore: await projectIgnore(metadata.cwd) });
    }
    if (sources.length > 0 || entries.length > 0) await putFolders(container, sources, run, entries);
    await clearReadyToResume(identity);
    await container.start();
    return container;
  } catch (error: unknown) {
    // A container that never started holds nothing of the agent's: remove it, keep the state.
    await container.remove({ force: true }).catch(() => undefined);
    throw error;
  }
}
