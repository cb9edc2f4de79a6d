/**
 * The one IPC contract between the UI and the bottle core. The Electron main process binds it to
 * ipcMain, `claude-bottle serve` binds it to a WebSocket, and the preload / browser client expose
 * the same `window.claudeBottle` API over it. Imports nothing from electron, node or zod (the
 * sandboxed preload bundles it); the argument schemas live in ipc-schemas.ts.
 */
import type { AppEvent } from './app-events';
import type { BottleInspect } from './bottle-inspect';
import type { BulkRequest, BulkResult, LogsOpenRequest } from './bottle-requests';
import type { StatsSample, StatsWatchRequest } from './bottle-stats';
import type { AgentSummary, BottleView, EngineStatus, EngineSummary, JournalEntry, PendingRequestView, ProjectAgentReview, StartBottleRequest } from './bottle-view';
import type { ApplyResult, ChangeSet, ExportResult, FileDetail } from './changes';
import type { CredentialStatus } from './credentials-view';
import type { ErrorCode } from './errors';

export type { AppEvent } from './app-events';
export type { StartBottleRequest } from './bottle-view';
export type { BulkRequest, BulkResult, LogsOpenRequest } from './bottle-requests';
export type { StatsWatchRequest } from './bottle-stats';

export const IpcChannels = {
  listBottles: 'bottles:list',
  listAgents: 'agents:list',
  engineStatus: 'engine:status',
  listEngines: 'engines:list',
  startBottle: 'bottle:start',
  stopBottle: 'bottle:stop',
  removeBottle: 'bottle:remove',
  resumeBottle: 'bottle:resume',
  approveRequest: 'bottle:approve',
  rejectRequest: 'bottle:reject',
  bottleHistory: 'bottle:history',
  dismissError: 'bottle:dismiss-error',
  terminalOpen: 'terminal:open',
  terminalInput: 'terminal:input',
  terminalResize: 'terminal:resize',
  terminalClose: 'terminal:close',
  chooseFolder: 'dialog:choose-folder',
  newestBottles: 'bottles:newest',
  bulkAction: 'bottles:bulk',
  inspectBottle: 'bottle:inspect',
  shellOpen: 'shell:open',
  logsOpen: 'logs:open',
  logsClose: 'logs:close',
  statsWatch: 'stats:watch',
  statsUnwatch: 'stats:unwatch',
  reviewProjectAgent: 'agents:review',
  trustProjectAgent: 'agents:trust',
  pendingRequest: 'bottle:request',
  credentialsStatus: 'credentials:status',
  credentialsForget: 'credentials:forget',
  credentialsSet: 'credentials:set',
  watchChanges: 'changes:watch',
  unwatchChanges: 'changes:unwatch',
  changedFile: 'changes:file',
  applyChanges: 'changes:apply',
  exportChanges: 'changes:export',
} as const;

export type IpcChannel = (typeof IpcChannels)[keyof typeof IpcChannels];
export const IPC_CHANNEL_NAMES: readonly IpcChannel[] = Object.values(IpcChannels);


export interface TerminalOpenRequest {
  identity: string;
  cols: number;
  rows: number;
}

/** Channel → argument tuple and result, shared by the main-side handlers and the client `invoke()`. */
export interface IpcSignatures {
  'bottles:list': { args: []; result: BottleView[] };
  'agents:list': { args: [{ cwd?: string }]; result: AgentSummary[] };
  'engine:status': { args: []; result: EngineStatus };
  'engines:list': { args: []; result: EngineSummary[] };
  'bottle:start': { args: [StartBottleRequest]; result: { identity: string } };
  'bottle:stop': { args: [identity: string]; result: null };
  'bottle:remove': { args: [identity: string, options: { keepState: boolean }]; result: null };
  'bottle:resume': { args: [identity: string]; result: { identity: string } };
  /** `proposalHash`: the reviewed request's hash; approval is refused if the proposal changed since. */
  'bottle:approve': { args: [identity: string, options: { requestId: string; resume: boolean; proposalHash?: string }]; result: { imageId: string } };
  'bottle:reject': { args: [identity: string, options: { requestId: string; message: string }]; result: null };
  'bottle:history': { args: [identity: string]; result: JournalEntry[] };
  'bottle:dismiss-error': { args: [identity: string]; result: null };
  'terminal:open': { args: [TerminalOpenRequest]; result: { sessionId: string } };
  'terminal:input': { args: [sessionId: string, data: string]; result: null };
  'terminal:resize': { args: [sessionId: string, cols: number, rows: number]; result: null };
  'terminal:close': { args: [sessionId: string]; result: null };
  'dialog:choose-folder': { args: []; result: string | null };
  /** `otherInstances`: bottles of other claude-bottle instances (state roots) on the engines, left out. */
  'bottles:newest': { args: [count: number]; result: { bottles: BottleView[]; total: number; otherInstances: number } };
  'bottles:bulk': { args: [BulkRequest]; result: BulkResult[] };
  'bottle:inspect': { args: [identity: string]; result: BottleInspect };
  'shell:open': { args: [TerminalOpenRequest]; result: { sessionId: string } };
  'logs:open': { args: [LogsOpenRequest]; result: { streamId: string } };
  'logs:close': { args: [streamId: string]; result: null };
  'stats:watch': { args: [StatsWatchRequest]; result: { subscriptionId: string; history: StatsSample[] } };
  'stats:unwatch': { args: [subscriptionId: string]; result: null };
  /** A project agent's files, for the Trust step. */
  'agents:review': { args: [{ cwd: string; name: string }]; result: ProjectAgentReview };
  /** Trusts a project agent exactly as reviewed (`contextHash` from the review). */
  'agents:trust': { args: [{ cwd: string; name: string; contextHash: string }]; result: null };
  /** One pending request in full (views carry summaries), for the approval panel. */
  'bottle:request': { args: [identity: string, requestId: string]; result: PendingRequestView };
  /** How Claude is signed in (the shipped agent's credential set). */
  'credentials:status': { args: []; result: CredentialStatus };
  /** Sign out: new bottles start signed out. */
  'credentials:forget': { args: []; result: CredentialStatus };
  /** Store a token (`claude setup-token`) or API key for new bottles; the value never comes back. */
  'credentials:set': { args: [{ name: SecretName; value: string }]; result: CredentialStatus };
  /** The bottle's changes now; keeps `changes-updated` events coming for a minute (call again to go on). */
  'changes:watch': { args: [identity: string]; result: ChangeSet };
  'changes:unwatch': { args: [identity: string]; result: null };
  /** One file whole: its full diff, or its full content on the agent's side. */
  'changes:file': { args: [identity: string, request: { path: string; view: 'diff' | 'content' }]; result: FileDetail };
  'changes:apply': { args: [identity: string, options: { dryRun: boolean; sidecars: boolean }]; result: ApplyResult };
  'changes:export': { args: [identity: string, options: { branch: string }]; result: ExportResult };
}

/** The secrets the app lets an operator paste in for Claude Code. */
export const SECRET_NAMES = ['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_API_KEY'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export type IpcArgs<C extends IpcChannel> = IpcSignatures[C]['args'];
export type IpcResult<C extends IpcChannel> = IpcSignatures[C]['result'];

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
