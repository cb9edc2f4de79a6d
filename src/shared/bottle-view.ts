/**
 * The view model every surface shows (desktop app, browser mode, `claude-bottle ls --json`).
 * Pure types: imported by main, preload, renderer and the CLI.
 */
import type { ActionState } from './allowed-actions';
import type { SecretPlacement } from './secret-placement';
import type { RiskNote } from './dockerfile-risks';
import type { NetworkMode, NetworkRequest } from './network-policy';
import type { AgentStatusView, PermissionQuestion } from './agent-reports';

export const BOTTLE_STATUSES = [
  'building',
  'starting',
  'running',
  'exited',
  'ready-to-resume',
  'missing-container',
  'corrupt',
  'orphan',
  'engine-offline',
] as const;
export type BottleStatus = (typeof BOTTLE_STATUSES)[number];

/**
 * A capability-block request waiting for the operator's decision, as every view carries it: a
 * summary only, so a bottle's view stays small whatever the agent proposed. The full request
 * (diff, Dockerfiles, risk notes) is fetched for the one being reviewed.
 */
export interface PendingRequestSummary {
  id: string;
  reason: string;
  createdAt: string;
  /** Set when the last Approve failed to build: the tail of the build log. */
  buildError: string | null;
}

/** One pending request in full: what the approval panel and `show` review. */
export interface PendingRequestView extends PendingRequestSummary {
  /** Unified diff, current Dockerfile → proposed Dockerfile. */
  diff: string;
  currentDockerfile: string;
  proposedDockerfile: string;
  /** SHA-256 of proposedDockerfile: approve with it to approve exactly what was shown. */
  proposalHash: string;
  /** Lines of the proposal worth a second look; they inform, never block. */
  risks: RiskNote[];
}

/** A bad inbox file, shown on the card; it never reached Docker. */
export interface InboxWarning {
  file: string;
  message: string;
  at: string;
}

export type ActivityKind =
  | 'starting'
  | 'building'
  | 'approving'
  | 'resuming'
  | 'stopping'
  | 'removing'
  | 'rejecting'
  | 'applying'
  | 'discarding'
  | 'exporting'
  | 'checkpointing'
  | 'dropping-checkpoint'
  | 'restoring'
  | 'forking';

/** Long work in progress on one bottle (image build, approve, resume), pushed as it moves. */
export interface BottleActivity {
  kind: ActivityKind;
  /** e.g. "Step 2/5" of a docker build; null when the work has no steps. */
  step: number | null;
  totalSteps: number | null;
  /** The last lines of output, newest last (at most 20). */
  logTail: string[];
  /** Set when the operation failed: kept on the bottle until the next one starts or it is dismissed. */
  error: string | null;
}

/** An agent that exited within its first minute: what it said last, and why that looks like. */
export interface EarlyExitView {
  exitCode: number | null;
  /** How long it ran, in whole seconds. */
  seconds: number;
  /** One line in the operator's words, e.g. "the login or key was refused", "no network: the API cannot be reached". */
  reason: string;
  /** The last lines of its output (secrets redacted), oldest first. */
  lines: string[];
}

export interface BottleView {
  identity: string;
  /** The Docker context the bottle lives on ('default': DOCKER_HOST or the platform's socket). */
  engine: string;
  /** Null for an orphan container whose state folder is gone, or a corrupt bottle. */
  agentName: string | null;
  cwd: string | null;
  copyCwd: boolean | null;
  startedAt: string | null;
  /**
   * When the bottle was created (its first start); the list is ordered by it, so a resume or a
   * rebuild does not move the bottle. A bottle from before it was recorded has its startedAt here.
   */
  createdAt: string | null;
  status: BottleStatus;
  exitCode: number | null;
  containerId: string | null;
  image: string | null;
  hasDockerfile: boolean;
  corruptReason: string | null;
  /** The oldest pending request, summarized. */
  pendingRequest: PendingRequestSummary | null;
  /** How many requests are pending (capped per bottle). */
  pendingCount: number;
  warnings: InboxWarning[];
  historyCount: number;
  activity: BottleActivity | null;
  /** Bytes in the bottle's state folder; null where not computed (a listing reads no sizes). */
  stateBytes: number | null;
  /** Launched autonomous (the agent's autonomousArgs, e.g. --dangerously-skip-permissions). */
  autonomous: boolean;
  /** Set while the container is exited and it exited within its first minute. */
  earlyExit: EarlyExitView | null;
  /**
   * Why claude-bottle stopped the bottle itself (e.g. its inbox went over its disk budget), in the
   * operator's words; null when it did not. Cleared when the bottle is resumed.
   */
  stopReason: string | null;
  /**
   * Why a bottle in 'ready-to-resume' has no container: the operator stopped it, or an approval
   * rebuilt its image. Only the second is "Rebuilt"; null in every other status.
   */
  readyReason: 'stopped' | 'approved' | null;
  /** Connections its gateway holds for the operator's answer (issue 19), oldest first. */
  networkPending: NetworkRequest[];
  /** Its network mode (network.json); null where it cannot be read (no state folder, a bad file). */
  networkMode: NetworkMode | null;
  /** The credential set its agent signs in with (issue 20: the card shows when it is signed out); null: unknown. */
  credentialSet: string | null;
  /** The operator's name for it (`start --name`); null: none given. */
  name: string | null;
  /** The task it was started with (`start --prompt`), as given; null: none. */
  task: string | null;
  /** The agent's latest report of what it does (issue 21); null: it never reported. */
  agentStatus: AgentStatusView | null;
  /** Permission questions its agent waits on, oldest first (issue 21). */
  permissionPending: PermissionQuestion[];
  /** A fork's family (issue 24, its forked-from.json): the bottle and checkpoint it was forked from; null: no fork. */
  forkedFrom: { parent: string; checkpoint: string } | null;
}

/**
 * Every bottle of this state root, and how many containers on the same engines belong to another
 * claude-bottle instance (another state root): those are never listed, as orphans or otherwise.
 */
export interface BottleListing {
  bottles: BottleView[];
  otherInstances: number;
  /** Engines that did not answer: their bottles are listed from the state folder alone. Said by a fresh listing only. */
  unreachableEngines?: string[];
}

/** `claude-bottle show`: the view plus the engine, every pending request in full, and the actions. */
export interface BottleDetail extends BottleView {
  /** Where the bottle's engine is reached (its name is `engine`). */
  engineEndpoint: { host: string; source: string; local: boolean };
  pendingRequests: PendingRequestView[];
  actions: ActionState[];
  /** Its checkpoints (issue 24): how many, and the bytes they hold together. */
  checkpoints: { count: number; bytes: number };
}

/** What starting a bottle takes: which agent, on which folder, mounted or copied. */
export interface StartBottleRequest {
  agent: string;
  /** Absolute host path of the project folder. */
  cwd: string;
  copy: boolean;
  /** Run the agent without asking before every command (its autonomousArgs); never the default. */
  autonomous?: boolean;
  /** The Docker context to start it on; absent: the current engine (as the docker CLI picks it). */
  context?: string;
  /** Its network mode (issue 19), kept in its network.json; absent: `ask`. */
  net?: NetworkMode;
  /** The operator's name for the bottle (unique among this root's bottles, not an identity). */
  name?: string;
  /** The agent's first instruction, passed the way its agent.json `promptArgs` declares. */
  prompt?: string;
}

/** An engine the operator can start bottles on: the default one or a Docker context. */
export interface EngineSummary {
  name: string;
  /** Its endpoint, e.g. unix:///var/run/docker.sock, tcp://build-box:2376, ssh://me@build-box. */
  host: string;
  description: string;
  /** The engine the docker CLI would use now; new bottles go there unless told otherwise. */
  current: boolean;
  /** On this machine: it can mount a project folder; a remote engine takes copies only. */
  local: boolean;
  status: EngineStatus | null;
}

export interface AgentSummary {
  /** What `start` takes: a plain name, or `project:NAME` for a project's own agent. */
  name: string;
  description: string;
  source: 'project' | 'user' | 'builtin';
  /** The agent declares how it runs autonomously (agent.json autonomousArgs). */
  autonomous: boolean;
  /** Project agents only: whether the operator trusted this very content of its folder. */
  trust?: AgentTrust;
}

/** A project agent runs only once trusted; a change to its folder asks again. */
export type AgentTrust = 'trusted' | 'untrusted' | 'changed';

/** What the Trust step shows before the operator trusts a project agent. */
export interface ProjectAgentReview {
  /** `project:NAME`. */
  name: string;
  /** The agent folder (its build context), symlinks resolved. */
  dir: string;
  trust: AgentTrust;
  /** SHA-256 over the whole folder: trust is pinned to it. */
  contextHash: string;
  /** agent.json as the app reads it (parsed, one key per line: a repeated key shows the value that counts). */
  agentJson: string;
  dockerfile: string;
  /** Host variables the agent would receive (names only). */
  env: string[];
  /** Each secret it reads and where it goes (issue 20): signed by the gateway for its hosts, or held in the bottle. */
  secrets: SecretPlacement[];
  /** Everything else in the folder the build can COPY, with sizes (at most 200 listed). */
  otherFiles: { path: string; bytes: number }[];
  risks: RiskNote[];
}

export interface EngineStatus {
  /** The engine's Docker context name ('default' for DOCKER_HOST or the platform's socket). */
  name: string;
  state: 'connected' | 'unavailable';
  version: string | null;
  /** The endpoint in use, e.g. unix:///var/run/docker.sock, and how it was found. */
  endpoint: string;
  endpointSource: string;
  message: string | null;
}

export interface JournalEntry {
  at: string;
  /** allowed, denied, withdrawn: a permission question (issue 21; withdrawn: answered in the terminal, or the agent stopped asking). */
  decision: 'approved' | 'rejected' | 'build-failed' | 'invalid-request' | 'allowed' | 'denied' | 'withdrawn';
  requestId: string;
  reason: string;
  diff: string;
  imageId: string | null;
  message: string | null;
  by: string;
  /** Approved with edits: the agent's proposed Dockerfile, the operator's approved one, and the diff between them. */
  edit?: { proposed: string; approved: string; diff: string };
}
