import type { AgentDefinition } from '../agents/agents';
import { plainEnvNames, type LaunchSecrets } from '../credentials/agent-secrets';
import type { ContainerCreateOptions } from '../engine/engine-client';
import { ROOT_OWNER, type ArchiveEntry, type ArchiveOwner, type ArchiveSource } from '../engine/container-archive';
import { resolveExecUser, resolveUser, type PasswdEntry } from '../engine/container-user';
import type { BottleOptions } from '../state/bottle-options';
import { bottlePaths } from '../state/state-paths';
import { gatewayCaEntries, gatewayCaEnv, launchCommand, rootEnvFor, secretEntries } from './bottle-setup';
import { sshConfigEntries } from './bottle-ssh-config';
import { containerCreateOptions, passthroughEnv, type ContainerLimits, type GatewayRoute } from './container-spec';
import { RUN_MOUNT, TOOL_MOUNT, WORKSPACE } from '../engine/bottle-mounts';
import type { GitControlMount } from './git-control-mounts';

/*
 * What one launch does, decided from facts gathered beforehand (launch-facts.ts) without the
 * engine: the container to create, the files to put in, the secrets to inject, the baseline to
 * take. launch.ts gathers the facts, asks for the plan and runs its steps. The one read left in
 * here is mount mode's list of git control files to wall off (git-control-mounts.ts), taken from
 * the project folder as the container is planned, after the facts prepared them.
 */

/** What the launch's image says of itself. */
export interface ImageFacts {
  /** The image reference the container is created from. */
  ref: string;
  id: string;
  /** The image's own PATH, so the in-bottle tool can be appended to it. */
  path: string | null;
  /** Its configured `User`; null when it names none. */
  user: string | null;
}

export interface LaunchFacts {
  identity: string;
  agent: AgentDefinition;
  /** The project folder. */
  cwd: string;
  /** Copy mode: the folder is copied in; else it is bind-mounted. */
  copyCwd: boolean;
  /** Mount mode: the project folder's owner, whom the agent runs as; null in copy mode. */
  folderOwner: ArchiveOwner | null;
  resume: boolean;
  /** The first launch of a fork (issue 24): a resume of the checkpoint's state with the agent's forkCommand. */
  fork?: boolean;
  options: BottleOptions;
  image: ImageFacts;
  /** The image's passwd when already known (cached by image id); null until a container is read. */
  cachedPasswd: PasswdEntry[] | null;
  secrets: LaunchSecrets;
  /** The installation CA's certificate (PEM) the bottle trusts for the hosts its gateway signs for; null with the gateway off. */
  gatewayCa: string | null;
  /** The host environment the agent's plain passthrough names are read from. */
  hostEnv: NodeJS.ProcessEnv;
  limits: ContainerLimits;
  /** The engine shares this machine's filesystem (see ContainerPlan.hostMounts). */
  hostMounts: boolean;
  /** Mount mode on a local engine: the read-only walls over the repository's control files. */
  gitControl: GitControlMount[];
  /** The in-bottle tool's folder on this machine. */
  toolDir: string;
  /** The bottle's Dockerfile as written for this launch; put in on a remote engine. */
  dockerfile: string;
  /** What a stop saved, to put back at a resume: the config folder, and (copy mode) the workspace. */
  snapshots: { transcript: boolean; workspace: boolean };
  /** Copy mode, no workspace snapshot: what the project's .dockerignore leaves out of the copy. */
  workspaceIgnore?: (relativePath: string) => boolean;
  /** The bottle's own network and gateway (settings.json `gatewayNetwork`); null: the default network. */
  route: GatewayRoute | null;
}

/** What the container is told about its user beyond `User`: HOME, and rootEnv as uid 0. */
export interface ContainerUser {
  home: string | null;
  extraEnv: string[];
}

export interface LaunchPlan {
  /**
   * The container, as created: launch.ts creates it from what is known of the image's users before
   * its passwd is read, and replaces it when the passwd gives another HOME or rootEnv.
   */
  create: ContainerCreateOptions;
  /** Who the agent runs as: owner of what is put in, and (local engine) of its inbox. */
  run: ArchiveOwner;
  /** A local engine's inbox is handed to the run user; a remote one's is put in. */
  handOverInbox: boolean;
  /** Folders put in before the start. */
  sources: ArchiveSource[];
  /** Files and folders put in after them: supervision files, the operator's setup. */
  entries: ArchiveEntry[];
  /** The agent's login files and secret variables, as 0600 files; last. */
  secrets: ArchiveEntry[];
  /** A first start takes the baseline of what the agent starts from; resume and rebuild keep the first. */
  baseline: { identity: string; cwd: string; copy: boolean } | null;
}

/** The user the agent is defined to run as: agent.json's, else the image's. */
export function agentUserOf(facts: LaunchFacts): string | null {
  return facts.agent.config.user ?? facts.image.user;
}

/**
 * Docker `User`. Mount mode: the project folder's owner, so the agent can write the folder and
 * what it creates belongs to the operator, whatever uid that is. Copy mode: the agent's own user.
 */
export function runUserOf(facts: LaunchFacts): string | null {
  return facts.folderOwner === null ? agentUserOf(facts) : `${facts.folderOwner.uid}:${facts.folderOwner.gid}`;
}

/** The run uid a Docker `User` gives before the image's passwd is known: null when it names a user. */
function uidBeforePasswd(user: string | null): number | null {
  const name = (user ?? '').split(':')[0] ?? '';
  if (name === '' || name === 'root') return 0;
  return /^\d+$/.test(name) ? Number(name) : null;
}

/**
 * Docker derives HOME from the run uid; when that is not the agent's own user (mount mode under
 * another uid) HOME must point at the agent's home, where its transcript lives. As uid 0 the agent
 * may need its rootEnv (Claude Code: IS_SANDBOX=1 to accept autonomous mode).
 */
export function containerUser(facts: LaunchFacts, passwd: PasswdEntry[] | null): ContainerUser {
  const runUser = runUserOf(facts);
  if (passwd === null) return { home: null, extraEnv: rootEnvFor(facts.agent, uidBeforePasswd(runUser) ?? -1) };
  const agentHome = resolveUser(agentUserOf(facts), passwd).home;
  // Root is the uid the image's passwd gives, as the engine resolves it, never how the name reads.
  const run = resolveExecUser(runUser, passwd);
  return { home: run === null || run.home === agentHome ? null : agentHome, extraEnv: rootEnvFor(facts.agent, run?.uid ?? -1) };
}

/** The command: the agent's (resume) command, autonomous or not; throws when autonomy is asked of an agent without it. */
export function commandOf(facts: Pick<LaunchFacts, 'agent' | 'options' | 'resume' | 'secrets' | 'fork'>): string[] {
  return launchCommand(facts.agent, facts.options, facts.resume, facts.secrets, facts.fork === true);
}

/** The container to create for this launch, given what is known of its user. */
export function createOptionsFor(facts: LaunchFacts, user: ContainerUser): ContainerCreateOptions {
  return containerCreateOptions({
    identity: facts.identity,
    agentName: facts.agent.name,
    agent: facts.agent.config,
    image: facts.image.ref,
    imagePath: facts.image.path,
    command: commandOf(facts),
    user: runUserOf(facts),
    home: user.home,
    mountCwd: facts.copyCwd ? null : facts.cwd,
    gitControl: facts.gitControl,
    toolDir: facts.toolDir,
    hostMounts: facts.hostMounts,
    // Secret-looking names travel as files (facts.secrets), never in `Env`.
    passthroughEnv: passthroughEnv(plainEnvNames(facts.agent.config), facts.hostEnv),
    limits: facts.limits,
    extraEnv: [...user.extraEnv, ...gatewayCaEnv(facts.gatewayCa)],
    secretsFromEnvironment: facts.secrets.fromEnvironment ?? [],
    route: facts.route,
  });
}

/**
 * What a local engine bind-mounts, put into the container instead on a remote one: the in-bottle
 * tool and the bottle's Dockerfile (root's, read-only to the agent), and an empty inbox the agent
 * owns (read back through the engine's API).
 */
function remoteSupervision(facts: LaunchFacts): { sources: ArchiveSource[]; entries: ArchiveEntry[] } {
  if (facts.hostMounts) return { sources: [], entries: [] };
  return {
    sources: [
      { target: TOOL_MOUNT, from: facts.toolDir, owner: ROOT_OWNER, readOnly: true },
      { target: RUN_MOUNT, from: null, owner: ROOT_OWNER },
      // What the inbox held (requests and their answers) goes with the bottle across a rebuild, as
      // the bind-mounted inbox of a local bottle does.
      { target: `${RUN_MOUNT}/inbox`, from: bottlePaths(facts.identity).inbox },
    ],
    entries: [{ target: `${RUN_MOUNT}/Dockerfile`, type: 'file', content: Buffer.from(facts.dockerfile), mode: 0o444, owner: ROOT_OWNER }],
  };
}

/** The config folder: its snapshot back, or created empty when the agent must own it before files go in. */
function transcriptSource(facts: LaunchFacts, handOver: boolean, files: ArchiveEntry[]): ArchiveSource[] {
  const dir = facts.agent.config.transcriptDir;
  if (dir === null) return [];
  if (facts.snapshots.transcript) return [{ target: dir, from: bottlePaths(facts.identity).transcript }];
  return handOver || files.some((entry) => entry.target.startsWith(`${dir}/`)) ? [{ target: dir, from: null }] : [];
}

/** Copy mode: the workspace a stop saved, else the project folder less what .dockerignore names. */
function workspaceSource(facts: LaunchFacts): ArchiveSource[] {
  if (!facts.copyCwd) return [];
  if (facts.snapshots.workspace) return [{ target: WORKSPACE, from: bottlePaths(facts.identity).workspace }];
  return [{ target: WORKSPACE, from: facts.cwd, ignore: facts.workspaceIgnore }];
}

/**
 * The whole launch once the image's passwd is known. `hostConfig`: the operator's setup a first
 * start copies in (read through the created container, see hostConfigEntries).
 */
export function planLaunch(facts: LaunchFacts, passwd: PasswdEntry[], hostConfig: ArchiveEntry[]): LaunchPlan {
  const run = resolveUser(runUserOf(facts), passwd);
  const owner = resolveUser(agentUserOf(facts), passwd);
  // The agent's home and transcript folder already belong to it unless it runs under another
  // uid; then they are handed over (created empty) so it can write them.
  const handOver = run.uid !== owner.uid;
  const supervision = remoteSupervision(facts);
  // The operator's setup last: what they put at the ssh config's path is theirs to keep.
  const entries = [...supervision.entries, ...gatewayCaEntries(facts.gatewayCa), ...sshConfigEntries(facts.route), ...hostConfig];
  const secrets = secretEntries(facts.secrets);
  const home = handOver && owner.home !== '/' && owner.home !== '' ? [{ target: owner.home, from: null }] : [];
  return {
    create: createOptionsFor(facts, containerUser(facts, passwd)),
    run: { uid: run.uid, gid: run.gid },
    handOverInbox: facts.hostMounts,
    sources: [...supervision.sources, ...home, ...transcriptSource(facts, handOver, [...entries, ...secrets]), ...workspaceSource(facts)],
    entries,
    secrets,
    baseline: facts.resume ? null : { identity: facts.identity, cwd: facts.cwd, copy: facts.copyCwd },
  };
}
