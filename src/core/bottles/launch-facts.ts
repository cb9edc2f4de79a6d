import { mkdir, stat } from 'node:fs/promises';
import { requireTrustedAgent } from '../agents/agent-trust';
import { projectIgnore } from '../changes/baseline';
import { launchSecrets } from '../credentials/credential-plan';
import { markCredentialsMigrated, migrateSnapshotLogin } from '../credentials/credential-migration';
import { installationCa } from '../credentials/gateway-ca';
import { recoverSnapshotSwap, type ArchiveOwner } from '../engine/container-archive';
import { engineFacts } from '../engine/engine-facts';
import { cachedImagePasswd } from '../engine/image-users';
import { writeFileAtomic } from '../fs/atomic-write';
import { isDirectory } from '../fs/is-directory';
import type { CoreDeps } from '../deps/core-deps';
import { readBottleOptions } from '../state/bottle-options';
import { bottleCpus, readLimits } from '../state/limits';
import { bottlePaths, imageCacheDir } from '../state/state-paths';
import { currentDockerfileFor, imageForLaunch } from './bottle-image';
import { beginRoute } from './bottle-route';
import type { ContainerLimits } from './container-spec';
import { prepareGitControlMounts } from './git-control-mounts';
import { commandOf, type ImageFacts, type LaunchFacts } from './launch-plan';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { bottleToolDir } from '../base/resources';

/*
 * Everything a launch plan is decided from, read (and, where a launch needs it on disk first,
 * prepared) before the container exists, in the order the launch has always done it.
 */

/** The image chosen (and built if needed) for this launch, and what it says of itself. */
async function launchImage(ctx: CoreDeps, bottle: LoadedBottle, resume: boolean): Promise<ImageFacts> {
  const { identity } = bottle;
  const progress = (update: { step: number | null; totalSteps: number | null; line: string }): void =>
    ctx.activity.progress(identity, update);
  ctx.activity.progress(identity, { line: resume ? 'Preparing image for resume' : 'Preparing image' });
  const { ref, info } = await imageForLaunch(ctx, bottle, progress);
  const path = info.Config.Env?.find((entry) => entry.startsWith('PATH='))?.slice(5) ?? null;
  return { ref, id: info.Id, path, user: info.Config.User || null };
}

/** CPU and log limits for a launch: settings.json, and the engine's own CPU count. */
export async function containerLimits(ctx: CoreDeps): Promise<ContainerLimits> {
  const [limits, facts] = await Promise.all([readLimits(), engineFacts(ctx.docker)]);
  return { cpus: bottleCpus(limits, facts.cpus), logMaxSize: limits.logMaxSize, logMaxFiles: limits.logMaxFiles };
}

/** Mount mode: the project folder's owner, whom the agent runs as. */
async function folderOwnerOf(bottle: LoadedBottle): Promise<ArchiveOwner | null> {
  if (bottle.metadata.copy_cwd) return null;
  const { uid, gid } = await stat(bottle.metadata.cwd);
  return { uid, gid };
}

/**
 * The config folder's snapshot made whole; a login an older version saved into it moves to the
 * store first (once: credential-migration.ts), so the launch signs with it. From here on the
 * bottle is recorded as migrated: nothing of it is read into the store again.
 */
async function recoverTranscript(bottle: LoadedBottle, resume: boolean): Promise<void> {
  if (bottle.agent.config.transcriptDir !== null) {
    const { transcript } = bottlePaths(bottle.identity);
    await recoverSnapshotSwap(transcript);
    if (resume && (await isDirectory(transcript))) await migrateSnapshotLogin(bottle.identity, transcript, bottle.agent);
  }
  await markCredentialsMigrated(bottle.identity);
}

/** The bottle's inbox made, and its Dockerfile written where the bottle reads it; returns that Dockerfile. */
async function prepareRunFolder(bottle: LoadedBottle): Promise<string> {
  const paths = bottlePaths(bottle.identity);
  await mkdir(paths.inbox, { recursive: true, mode: 0o700 });
  const text = await currentDockerfileFor(bottle.identity, bottle.agent);
  await writeFileAtomic(paths.runDockerfile, text, 0o644);
  return text;
}

/** What a resume puts back, and (copy mode, fresh) what the copy leaves out. */
async function workspaceFacts(bottle: LoadedBottle, resume: boolean): Promise<Pick<LaunchFacts, 'snapshots' | 'workspaceIgnore'>> {
  const { identity, metadata, agent } = bottle;
  const paths = bottlePaths(identity);
  const transcript = resume && agent.config.transcriptDir !== null && (await isDirectory(paths.transcript));
  if (!metadata.copy_cwd) return { snapshots: { transcript, workspace: false } };
  await recoverSnapshotSwap(paths.workspace);
  const workspace = resume && (await isDirectory(paths.workspace));
  return { snapshots: { transcript, workspace }, ...(workspace ? {} : { workspaceIgnore: await projectIgnore(metadata.cwd) }) };
}

/** A launch's facts, and the gateway's join of the bottle's network (settled before the start; see beginRoute). */
export interface GatheredFacts {
  facts: LaunchFacts;
  routeJoined: Promise<void>;
}

/**
 * Gathers the facts of one launch. A project agent is built and run (and given its passthrough
 * variables) only while the operator trusts it as it is; an autonomous launch of an agent without
 * autonomous mode is refused before anything is prepared. The engine makes the bottle's network
 * while the rest is read from this machine; the route's failure is the one reported when both
 * fail (it was the earlier step). The gateway's join of the bottle's network may still run when
 * this returns (`routeJoined`); when gathering fails, it is waited for first, so nothing of the
 * launch runs on behind its error.
 */
export async function gatherLaunchFacts(ctx: CoreDeps, bottle: LoadedBottle, resume: boolean, fork = false): Promise<GatheredFacts> {
  const { identity, metadata, agent } = bottle;
  await requireTrustedAgent(agent, metadata.cwd);
  const image = await launchImage(ctx, bottle, resume);
  const folderOwner = await folderOwnerOf(bottle);
  const options = readBottleOptions(identity);
  await recoverTranscript(bottle, resume);
  // Said before anything else is prepared: an autonomous launch of an agent without it is refused.
  commandOf({ agent, options, resume, fork, secrets: { files: [], env: [] } });
  const pending = await beginRoute(ctx, identity);
  const routeJoined = pending?.joined ?? Promise.resolve();
  const [route, rest] = await Promise.allSettled([
    pending?.route ?? Promise.resolve(null),
    factsBesideRoute(ctx, bottle, resume, { folderOwner, options, image, fork }, pending !== null),
  ]);
  if (route.status === 'fulfilled' && rest.status === 'fulfilled') return { facts: { ...rest.value, route: route.value }, routeJoined };
  await routeJoined.catch((_ignored: unknown) => undefined);
  throw route.status === 'rejected' ? route.reason : (rest as PromiseRejectedResult).reason;
}

/** The rest of gatherLaunchFacts, read while the route is made: all but the route itself, which only its being on decides here. */
async function factsBesideRoute(
  ctx: CoreDeps,
  bottle: LoadedBottle,
  resume: boolean,
  known: Pick<LaunchFacts, 'folderOwner' | 'options' | 'image' | 'fork'>,
  gatewayOn: boolean,
): Promise<Omit<LaunchFacts, 'route'>> {
  const { identity, metadata, agent } = bottle;
  const { folderOwner, image } = known;
  // With the gateway on, the bottle gets placeholders and trusts the installation's CA; off, there
  // is nothing to sign with, and the secrets go in as they are (credential-plan.ts).
  const secrets = await launchSecrets(agent, { gatewayOn, hostEnv: process.env });
  const gatewayCa = gatewayOn ? (await installationCa()).certPem : null;
  const [dockerfile, cachedPasswd, limits] = await Promise.all([
    prepareRunFolder(bottle),
    cachedImagePasswd(imageCacheDir(), image.id),
    containerLimits(ctx),
  ]);
  const hostMounts = ctx.engine.local;
  // Whatever git would read if the agent created it must exist before it is mounted read-only.
  // Read once: every container this launch creates gets the same walls (no git run per create).
  const gitControl = hostMounts && folderOwner !== null ? prepareGitControlMounts(metadata.cwd, folderOwner) : [];
  const workspace = await workspaceFacts(bottle, resume);
  return {
    ...known,
    identity,
    agent,
    cwd: metadata.cwd,
    copyCwd: metadata.copy_cwd,
    resume,
    secrets,
    gatewayCa,
    hostEnv: process.env,
    cachedPasswd,
    limits,
    hostMounts,
    gitControl,
    toolDir: bottleToolDir(),
    dockerfile,
    ...workspace,
  };
}
