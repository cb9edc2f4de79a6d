import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseIdentity } from '../../shared/identity';

/*
 * The layout of the state root (DESIGN.md §2, shared with the Python CLI): every path under
 * `<root>` is built here and nowhere else. A module that keeps a file there asks for its path;
 * what lies inside a folder a module owns alone (a credential set, an agent copy, a trust record,
 * the inbox's request files) is that module's.
 *
 *   <root>/state/<identity>/     one bottle (bottlePaths; rebuild/ and changes/ inside it)
 *   <root>/credentials/          agents' secret files (credential-store.ts owns what is inside)
 *   <root>/agents/               the operator's own agents
 *   <root>/trust/project-agents/ trust given to project agents (agent-trust.ts)
 *   <root>/cache/                facts about images; cache/agent-copies/ (agent-copy.ts);
 *                                cache/state-scan.json, the last listing's folder scans (state-scan-cache.ts);
 *                                cache/remote-inbox-stamps.json, remote inboxes as last read (remote-inbox-stamp-file.ts)
 *   <root>/logs/claude-bottle.log, <root>/settings.json, <root>/instance-id
 *   <root>/network-cursors.json  per engine, the last gateway record written (network-cursor.ts)
 */

/** `$CLAUDE_BOTTLE_HOME` if set, else `~/.claude-bottle` (shared with the Python CLI). */
export function claudeBottleRoot(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CLAUDE_BOTTLE_HOME;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.claude-bottle');
}

export function stateRoot(): string {
  return join(claudeBottleRoot(), 'state');
}

/** Our own log (rotated, without secrets): `<root>/logs/claude-bottle.log`. */
export function logFilePath(): string {
  return join(claudeBottleRoot(), 'logs', 'claude-bottle.log');
}

/** Caches of facts about images (content-addressed, so never stale). */
export function imageCacheDir(): string {
  return join(claudeBottleRoot(), 'cache');
}

/** The last listing's scans of the bottle folders, each with the stamp it holds for (state-scan-cache.ts). */
export function stateScanCachePath(): string {
  return join(imageCacheDir(), 'state-scan.json');
}

/** What the last pass saw of each remote bottle's container inbox (remote-inbox-stamp-file.ts). */
export function remoteInboxStampsPath(): string {
  return join(imageCacheDir(), 'remote-inbox-stamps.json');
}

/** Private copies of project agents, built from (agent-copy.ts). */
export function agentCopiesDir(): string {
  return join(imageCacheDir(), 'agent-copies');
}

/** The operator's defaults (settings.ts). */
export function settingsPath(): string {
  return join(claudeBottleRoot(), 'settings.json');
}

/** Per engine, how far the recorder core wrote its gateway's numbered connection records (network-cursor.ts). */
export function networkCursorsPath(): string {
  return join(claudeBottleRoot(), 'network-cursors.json');
}

/** Which containers on an engine this state root made (instance-id.ts, DESIGN.md §3). */
/** `<root>/<name>.lock`: a lock one process holds across the root (root-lock.ts), e.g. `gateway`, `network-recorder`. */
export function rootLockPath(name: string): string {
  return join(claudeBottleRoot(), `${name}.lock`);
}

export function instanceIdPath(): string {
  return join(claudeBottleRoot(), 'instance-id');
}

/** The credential store, outside state/ so no snapshot or listing of bottles carries a secret. */
export function credentialsRoot(): string {
  return join(claudeBottleRoot(), 'credentials');
}

/** The operator's own agents, looked up by name before the shipped ones. */
export function userAgentsDir(): string {
  return join(claudeBottleRoot(), 'agents');
}

/** One record per project agent folder the operator trusted (agent-trust.ts). */
export function trustStoreDir(): string {
  return join(claudeBottleRoot(), 'trust', 'project-agents');
}

/** The bottle's own folder. The identity is validated here so no path is built from junk. */
export function stateDir(identity: string): string {
  return join(stateRoot(), parseIdentity(identity));
}

/**
 * The names inside a bottle's folder. The Python CLI reads metadata.json, Dockerfile and
 * transcript/; the rest is ours (DESIGN.md §2: extra data beside metadata.json, never in it).
 */
export const BOTTLE_FILES = {
  metadata: 'metadata.json',
  dockerfile: 'Dockerfile',
  transcript: 'transcript',
  workspace: 'workspace',
  inbox: 'inbox',
  journal: 'journal.jsonl',
  /** Which engine the bottle lives on; none: the default engine. */
  engine: 'engine.json',
  /** How the operator launched it (autonomous, its name, its task), written only when not the default. */
  options: 'bottle-options.json',
  /** Its network mode and the operator's rules for it alone (bottle-network.ts, issue 19). */
  network: 'network.json',
  /** Every connection it made through the gateway, one JSON line each (network-log.ts), rotated to `.1`. */
  networkLog: 'network-log.jsonl',
  /** The connections the gateway holds for the operator, as the live core last heard (network-pending.ts). */
  networkPending: 'network-pending.json',
  /** Its login files were moved to the credential store once (credential-migration.ts, issue 20); never read from it again. */
  credentialsMigrated: 'credentials-migrated.json',
  /** When it was created (created-at.ts): the list's order, which a resume does not change. */
  created: 'created.json',
  /** Torn down on purpose with its state saved (stop or approve). */
  readyMarker: 'ready-to-resume.json',
  /** Why we stopped it ourselves (over its disk budget). */
  stopReason: 'stop-reason.json',
  /** What its container said when it exited within its first minute. */
  earlyExit: 'early-exit.json',
  /** The host's copy of the agent's latest status report (agent-status.ts, issue 21). */
  agentStatus: 'agent-status.json',
  /** The rebuild loop's own files (rebuildPaths). */
  rebuild: 'rebuild',
  /** The Changes view's own files (changesPaths). */
  changes: 'changes',
  /** Its checkpoints (issue 24), one folder each, `<id>/manifest.json` inside (checkpoint-store.ts). */
  checkpoints: 'checkpoints',
  /** Forks only (issue 24): the parent and checkpoint it was forked from, written once (forked-from.ts). */
  forkedFrom: 'forked-from.json',
  /** Which files of the workspace snapshot are proven to hold their start-of-run content (snapshot-proof.ts). */
  workspaceProof: 'workspace-proof.json',
  /** What the bottle sees at /run/claude-bottle/Dockerfile: the Dockerfile it was built from. */
  runDockerfile: join('run', 'Dockerfile'),
} as const;

export type BottlePaths = { readonly dir: string } & { readonly [K in keyof typeof BOTTLE_FILES]: string };

/**
 * A bottle's paths, each joined when it is asked for: a listing of thousands of bottles asks for one
 * or two of each, and joining all of them every time cost `ls --json` of 1,000 bottles ~130 ms.
 */
class LazyBottlePaths {
  constructor(readonly dir: string) {}
}
for (const [key, name] of Object.entries(BOTTLE_FILES)) {
  Object.defineProperty(LazyBottlePaths.prototype, key, {
    get(this: LazyBottlePaths): string {
      return join(this.dir, name);
    },
    enumerable: true,
  });
}

export function bottlePaths(identity: string): BottlePaths {
  return new LazyBottlePaths(stateDir(identity)) as BottlePaths;
}

/** The rebuild loop's files beside metadata.json. */
export interface RebuildPaths {
  dir: string;
  /** One `<request id>.json` per request awaiting the operator; survives restarts. */
  pending: string;
  /** One `<question id>.json` per permission question the agent waits on (permission-store.ts, issue 21). */
  permissions: string;
  /** Bad inbox files shown on the card. */
  warnings: string;
  /** The approval in progress, step by step, for crash recovery. */
  approval: string;
  inbox: string;
  journal: string;
}

export function rebuildPaths(identity: string): RebuildPaths {
  const paths = bottlePaths(identity);
  const dir = paths.rebuild;
  return {
    dir,
    pending: join(dir, 'pending'),
    permissions: join(dir, 'permissions'),
    warnings: join(dir, 'warnings.json'),
    approval: join(dir, 'approval.json'),
    inbox: paths.inbox,
    journal: paths.journal,
  };
}

/**
 * The Changes view's files, in a folder beside metadata.json (never inside it): the baseline taken
 * when the bottle was created, the copies of start-of-run content that git cannot give back, and
 * the record of what `apply` last wrote to the host folder.
 */
export interface ChangesPaths {
  dir: string;
  baseline: string;
  blobs: string;
  applied: string;
}

/** Inside changes/: the blobs folder is named on its own too, for the size walk's cache. */
export const CHANGES_BLOBS = 'blobs';

export function changesPaths(identity: string): ChangesPaths {
  const dir = bottlePaths(identity).changes;
  return { dir, baseline: join(dir, 'baseline.json'), blobs: join(dir, CHANGES_BLOBS), applied: join(dir, 'applied.json') };
}

export function perBottleImageTag(identity: string): string {
  return `claude-bottle-rebuilt-${parseIdentity(identity)}:latest`;
}

export function containerName(identity: string): string {
  return `claude-bottle-${parseIdentity(identity)}`;
}
