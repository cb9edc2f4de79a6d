/**
 * The one IPC contract between the UI and the bottle core: one entry per channel, holding its
 * argument schema and its result type, from which the channel list, the argument and result types
 * and (in ipc-schemas.ts) the validation map are all derived. The Electron main process binds it to
 * ipcMain, `claude-bottle serve` binds it to a WebSocket, and the preload / browser client expose
 * the same `window.claudeBottle` API over it. Each entry builds its schema from the zod kit it is
 * handed, so this file imports zod for its types only: the sandboxed preload, which needs the
 * channel list, bundles no zod (validation runs in the main process and in serve).
 */
import type { z } from 'zod';
import type { AppEvent } from './app-events';
import type { BottleComparison } from './bottle-compare';
import type { BottleInspect } from './bottle-inspect';
import type { BulkResult } from './bottle-requests';
import type { StatsSample } from './bottle-stats';
import type {
  AgentSummary,
  BottleView,
  EngineStatus,
  EngineSummary,
  JournalEntry,
  PendingRequestView,
  ProjectAgentReview,
} from './bottle-view';
import {
  CHANGE_SINCE,
  MAX_SELECTED_PATHS,
  type ApplyResult,
  type ChangeSet,
  type DiscardResult,
  type ExportResult,
  type FileDetail,
  type MergeVersions,
  type ResolveResult,
  type UnappliedWork,
  MERGE_RESULT_MAX_CHARS,
} from './changes';
import type { CheckpointList, CheckpointRestore, CheckpointView } from './checkpoints';
import type { TimelineEvent } from './timeline';
import { MAX_FORK_COUNT, type ForkResult } from './forks';
import type { CredentialStatus } from './credentials-view';
import type { ErrorCode } from './errors';
import { NETWORK_ANSWERS } from './network-policy';
import { PERMISSION_ANSWERS } from './agent-reports';
import { MAX_NETWORK_LOG_LINES, type NetworkLogView } from './network-view';
import type { SchemaKit } from './ipc-schemas';
import { MAX_FIRST_SCREEN, MAX_LOG_TAIL_LINES, MAX_SECRET_VALUE_CHARS, MAX_TERMINAL_INPUT_CHARS } from './rules';

export type { AppEvent } from './app-events';
export type { StartBottleRequest } from './bottle-view';
export type { BulkRequest, BulkResult, LogsOpenRequest } from './bottle-requests';
export type { StatsWatchRequest } from './bottle-stats';

/** The secrets the app lets an operator paste in for Claude Code. */
export const SECRET_NAMES = ['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_API_KEY'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** A channel's answer type, carried by the table's type alone (answers come from our own core: not validated). */
export interface Returns<T> {
  readonly returns?: T;
}

function returns<T>(): Returns<T> {
  return {};
}

/** One channel: its argument tuple's schema, built from the kit on the validating side, and its answer. */
interface ChannelEntry {
  args: (kit: SchemaKit) => z.ZodType<unknown[]>;
  result: Returns<unknown>;
}

/** Every channel, once: the contract itself. */
export const ipcChannels = {
  'bottles:list': { args: ({ z }) => z.tuple([]), result: returns<BottleView[]>() },
  'agents:list': {
    args: ({ z, absolutePath }) => z.tuple([z.object({ cwd: absolutePath.optional() }).strict()]),
    result: returns<AgentSummary[]>(),
  },
  'engine:status': { args: ({ z }) => z.tuple([]), result: returns<EngineStatus>() },
  'engines:list': { args: ({ z }) => z.tuple([]), result: returns<EngineSummary[]>() },
  'bottle:start': {
    args: ({ z, agentName, absolutePath, contextName, networkMode, bottleName, taskText }) =>
      z.tuple([
        z
          .object({
            agent: agentName,
            cwd: absolutePath,
            copy: z.boolean(),
            autonomous: z.boolean().optional(),
            context: contextName.optional(),
            net: networkMode.optional(),
            name: bottleName.optional(),
            prompt: taskText.optional(),
          })
          .strict(),
      ]),
    result: returns<{ identity: string }>(),
  },
  'bottle:stop': { args: ({ z, identity }) => z.tuple([identity]), result: returns<null>() },
  'bottle:remove': {
    /** `force`: remove even a copy-mode bottle whose work is not yet applied (refused otherwise). */
    args: ({ z, identity }) => z.tuple([identity, z.object({ keepState: z.boolean(), force: z.boolean().optional() }).strict()]),
    result: returns<null>(),
  },
  'bottle:resume': { args: ({ z, identity }) => z.tuple([identity]), result: returns<{ identity: string }>() },
  /** Takes a checkpoint of a copy-mode bottle now (issue 24): paused only while the copy is taken. */
  'bottle:checkpoint': {
    args: ({ z, identity, checkpointName }) => z.tuple([identity, z.object({ name: checkpointName.optional() }).strict()]),
    result: returns<CheckpointView>(),
  },
  /** A bottle's checkpoints, oldest first, with their total against the budget. */
  'bottle:checkpoints': { args: ({ z, identity }) => z.tuple([identity]), result: returns<CheckpointList>() },
  /** Drops one checkpoint (its id, or its name when only one has it); returns what was dropped. */
  'bottle:checkpoint-drop': {
    args: ({ z, identity, checkpointRef }) => z.tuple([identity, z.object({ checkpoint: checkpointRef }).strict()]),
    result: returns<CheckpointView>(),
  },
  /** Makes a stopped copy-mode bottle's next resume start from a checkpoint; the current state is kept as one first. */
  'bottle:restore': {
    args: ({ z, identity, checkpointRef }) => z.tuple([identity, z.object({ checkpoint: checkpointRef }).strict()]),
    result: returns<CheckpointRestore>(),
  },
  /**
   * Forks the bottle (issue 24): `count` new bottles from the checkpoint `from` names (id, or a name
   * only one has), else from one taken now; `name` and `prompt` as a start takes them.
   */
  'bottle:fork': {
    args: ({ z, identity, bottleName, taskText }) =>
      z.tuple([
        identity,
        z
          .object({
            from: z.string().min(1).max(200).optional(),
            count: z.number().int().min(1).max(MAX_FORK_COUNT).optional(),
            name: bottleName.optional(),
            prompt: taskText.optional(),
          })
          .strict(),
      ]),
    result: returns<ForkResult>(),
  },
  /**
   * `proposalHash`: the reviewed request's hash; approval is refused if the proposal changed since.
   * `dockerfile`: the operator's edit of that proposal (Approve with edits), built instead of it.
   */
  'bottle:approve': {
    args: ({ z, identity, requestId, sha256, editedDockerfile }) =>
      z.tuple([
        identity,
        z.object({ requestId, resume: z.boolean(), proposalHash: sha256.optional(), dockerfile: editedDockerfile.optional() }).strict(),
      ]),
    result: returns<{ imageId: string }>(),
  },
  'bottle:reject': {
    args: ({ z, identity, requestId, rejectMessage }) => z.tuple([identity, z.object({ requestId, message: rejectMessage }).strict()]),
    result: returns<null>(),
  },
  'bottle:history': { args: ({ z, identity }) => z.tuple([identity]), result: returns<JournalEntry[]>() },
  /** Everything the bottle did, in order (issue 24): its timeline merged with the decisions journal. */
  'bottle:timeline': { args: ({ z, identity }) => z.tuple([identity]), result: returns<TimelineEvent[]>() },
  /** The same as JSON Lines, made by the core function `claude-bottle timeline --export` uses (the Export button's download). */
  'bottle:timeline-export': { args: ({ z, identity }) => z.tuple([identity]), result: returns<string>() },
  'bottle:dismiss-error': { args: ({ z, identity }) => z.tuple([identity]), result: returns<null>() },
  'terminal:open': { args: ({ z, terminalOpenRequest }) => z.tuple([terminalOpenRequest]), result: returns<{ sessionId: string }>() },
  'terminal:input': { args: ({ z, sessionId }) => z.tuple([sessionId, z.string().max(MAX_TERMINAL_INPUT_CHARS)]), result: returns<null>() },
  'terminal:resize': {
    args: ({ z, sessionId, terminalSize }) => z.tuple([sessionId, terminalSize, terminalSize]),
    result: returns<null>(),
  },
  'terminal:close': { args: ({ z, sessionId }) => z.tuple([sessionId]), result: returns<null>() },
  'dialog:choose-folder': { args: ({ z }) => z.tuple([]), result: returns<string | null>() },
  /** `otherInstances`: bottles of other claude-bottle instances (state roots) on the engines, left out. */
  'bottles:newest': {
    args: ({ z }) => z.tuple([z.number().int().min(1).max(MAX_FIRST_SCREEN)]),
    result: returns<{ bottles: BottleView[]; total: number; otherInstances: number }>(),
  },
  'bottles:bulk': {
    args: ({ z, identities }) =>
      z.tuple([z.object({ action: z.enum(['stop', 'remove']), identities: identities.min(1), keepState: z.boolean() }).strict()]),
    result: returns<BulkResult[]>(),
  },
  'bottle:inspect': { args: ({ z, identity }) => z.tuple([identity]), result: returns<BottleInspect>() },
  'shell:open': { args: ({ z, terminalOpenRequest }) => z.tuple([terminalOpenRequest]), result: returns<{ sessionId: string }>() },
  'logs:open': {
    args: ({ z, identity, containerId }) =>
      z.tuple([
        z
          .object({
            identity,
            tail: z.number().int().min(0).max(MAX_LOG_TAIL_LINES),
            follow: z.boolean(),
            containerId: containerId.optional(),
          })
          .strict(),
      ]),
    result: returns<{ streamId: string }>(),
  },
  'logs:close': { args: ({ z, streamId }) => z.tuple([streamId]), result: returns<null>() },
  'stats:watch': {
    args: ({ z, streamId, identities }) => z.tuple([z.object({ subscriptionId: streamId.nullable(), identities }).strict()]),
    result: returns<{ subscriptionId: string; history: StatsSample[] }>(),
  },
  'stats:unwatch': { args: ({ z, streamId }) => z.tuple([streamId]), result: returns<null>() },
  /** A project agent's files, for the Trust step. */
  'agents:review': {
    args: ({ z, absolutePath, projectAgentName }) => z.tuple([z.object({ cwd: absolutePath, name: projectAgentName }).strict()]),
    result: returns<ProjectAgentReview>(),
  },
  /** Trusts a project agent exactly as reviewed (`contextHash` from the review). */
  'agents:trust': {
    args: ({ z, absolutePath, projectAgentName, sha256 }) =>
      z.tuple([z.object({ cwd: absolutePath, name: projectAgentName, contextHash: sha256 }).strict()]),
    result: returns<null>(),
  },
  /** One pending request in full (views carry summaries), for the approval panel. */
  'bottle:request': { args: ({ z, identity, requestId }) => z.tuple([identity, requestId]), result: returns<PendingRequestView>() },
  /** How Claude is signed in (the shipped agent's credential set). */
  'credentials:status': { args: ({ z }) => z.tuple([]), result: returns<CredentialStatus>() },
  /** Sign out: the stored login goes, and the gateways stop signing with it (running bottles too). */
  'credentials:forget': { args: ({ z }) => z.tuple([]), result: returns<CredentialStatus>() },
  /** Store a token (`claude setup-token`) or API key for new bottles; the value never comes back. */
  'credentials:set': {
    args: ({ z }) => z.tuple([z.object({ name: z.enum(SECRET_NAMES), value: z.string().min(1).max(MAX_SECRET_VALUE_CHARS) }).strict()]),
    result: returns<CredentialStatus>(),
  },
  /**
   * The sign-in flow (issue 20) on a terminal of this client, its output as `terminal-data` of the
   * session it returns, input and resizes through terminal:*; terminal:close cancels it. Its last
   * line says how it ended; a login it made arrives as a `credentials` event.
   */
  'credentials:login': {
    args: ({ z, terminalSize }) => z.tuple([z.object({ cols: terminalSize, rows: terminalSize }).strict()]),
    result: returns<{ sessionId: string }>(),
  },
  /**
   * The bottle's changes now (since the start, or only those new since the last apply); keeps
   * `changes-updated` events coming for a minute (call again to go on).
   */
  'changes:watch': {
    args: ({ z, identity }) => z.tuple([identity, z.object({ since: z.enum(CHANGE_SINCE) }).strict()]),
    result: returns<ChangeSet>(),
  },
  'changes:unwatch': { args: ({ z, identity }) => z.tuple([identity]), result: returns<null>() },
  /** One file whole: its full diff (against the start, or what the last apply wrote), or its full content on the agent's side. */
  'changes:file': {
    args: ({ z, identity, workspacePath }) =>
      z.tuple([
        identity,
        z.object({ path: workspacePath, view: z.enum(['diff', 'content']), since: z.enum(CHANGE_SINCE).optional() }).strict(),
      ]),
    result: returns<FileDetail>(),
  },
  /** Copy mode: the work a remove would lose (not yet applied, or in conflict); null: none. */
  'changes:unapplied': { args: ({ z, identity }) => z.tuple([identity]), result: returns<UnappliedWork | null>() },
  /** Apply to the project folder: every change, or (per-file Apply) only those at `paths`. */
  'changes:apply': {
    args: ({ z, identity, workspacePath }) =>
      z.tuple([
        identity,
        z
          .object({ dryRun: z.boolean(), sidecars: z.boolean(), paths: z.array(workspacePath).min(1).max(MAX_SELECTED_PATHS).optional() })
          .strict(),
      ]),
    result: returns<ApplyResult>(),
  },
  /** One file of the running bottle's workspace back to its start-of-run version (copy mode). */
  'changes:discard': {
    args: ({ z, identity, workspacePath }) => z.tuple([identity, z.object({ path: workspacePath }).strict()]),
    result: returns<DiscardResult>(),
  },
  /** The three versions of a file in conflict and a line merge of them, for the merge view (copy mode). */
  'changes:merge': {
    args: ({ z, identity, workspacePath }) => z.tuple([identity, z.object({ path: workspacePath }).strict()]),
    result: returns<MergeVersions>(),
  },
  /**
   * Saves the merge view's resolution to the project folder: the operator's version, the agent's, or
   * the edited result; `hostOid`/`agentOid` name the versions it was made from (another is refused).
   */
  'changes:resolve': {
    args: ({ z, identity, workspacePath, blobId }) =>
      z.tuple([
        identity,
        z
          .object({
            path: workspacePath,
            take: z.enum(['host', 'agent', 'result']),
            text: z.string().max(MERGE_RESULT_MAX_CHARS).optional(),
            hostOid: blobId,
            agentOid: blobId,
          })
          .strict(),
      ]),
    result: returns<ResolveResult>(),
  },
  /** Two copy-mode bottles of one project folder, workspace against workspace (issue 24): this one left, `against` right. */
  'changes:compare': {
    args: ({ z, identity }) => z.tuple([identity, z.object({ against: identity }).strict()]),
    result: returns<BottleComparison>(),
  },
  'changes:export': {
    args: ({ z, identity, branchName }) => z.tuple([identity, z.object({ branch: branchName }).strict()]),
    result: returns<ExportResult>(),
  },
  /**
   * The operator's answer to a connection the bottle's gateway holds (issue 19): let it through
   * once, for this bottle (network.json), for every bottle of its agent (settings.json), or refuse it.
   */
  'network:answer': {
    args: ({ z, identity, requestId }) => z.tuple([z.object({ identity, requestId, answer: z.enum(NETWORK_ANSWERS) }).strict()]),
    result: returns<null>(),
  },
  /**
   * The operator's answer to a permission question the bottle's agent waits on (issue 21): allow
   * once, allow and do not ask again for this kind, or deny with a message the agent reads.
   */
  'permission:answer': {
    args: ({ z, identity, requestId, rejectMessage }) =>
      z.tuple([z.object({ identity, requestId, answer: z.enum(PERMISSION_ANSWERS), message: rejectMessage.optional() }).strict()]),
    result: returns<null>(),
  },
  /** Types a message to the bottle's agent, as if typed in its terminal, and presses Enter (the Reply box). */
  'bottle:send': { args: ({ z, identity, taskText }) => z.tuple([identity, taskText]), result: returns<null>() },
  /** The newest `limit` records of the bottle's connection log, oldest first, and whether the gateway records any (new ones come as `network-log` events). */
  'network:log': {
    args: ({ z, identity }) => z.tuple([z.object({ identity, limit: z.number().int().min(1).max(MAX_NETWORK_LOG_LINES) }).strict()]),
    result: returns<NetworkLogView>(),
  },
} satisfies Record<string, ChannelEntry>;

type Channels = typeof ipcChannels;
export type IpcChannel = keyof Channels;
// Pure: a page that only needs the types and IpcError leaves the table out of its bundle.
export const IPC_CHANNEL_NAMES = /* @__PURE__ */ Object.keys(ipcChannels) as readonly IpcChannel[];

/** A channel's arguments: what its schema lets through, so what the handler receives. */
export type IpcArgs<C extends IpcChannel> = z.output<ReturnType<Channels[C]['args']>>;
export type IpcResult<C extends IpcChannel> = Channels[C]['result'] extends Returns<infer T> ? T : never;

export type IpcErrorCode = ErrorCode;

export type IpcResponse<T> = { ok: true; data: T } | { ok: false; error: { code: IpcErrorCode; message: string } };

export const APP_EVENT_CHANNEL = 'app:event';

/** The API the preload (Electron) or the browser client (serve mode) puts on `window.claudeBottle`. */
export interface ClaudeBottleApi {
  mode: 'electron' | 'browser';
  invoke<C extends IpcChannel>(channel: C, ...args: IpcArgs<C>): Promise<IpcResult<C>>;
  onEvent(listener: (event: AppEvent) => void): () => void;
  /** Absolute path of a dropped file or folder; null where the platform cannot tell (browser mode). */
  getPathForFile(file: File): string | null;
}

/** The error a client rethrows for `{ok:false}` responses, keeping the code for the UI. */
export class IpcError extends Error {
  constructor(
    readonly code: IpcErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IpcError';
  }
}
