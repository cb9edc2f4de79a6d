/**
 * The view model every surface shows (desktop app, browser mode, `claude-bottle ls --json`).
 * Pure types: imported by main, preload, renderer and the CLI.
 */
import type { ActionState } from './allowed-actions';

export const BOTTLE_STATUSES = [
  'building',
  'starting',
  'running',
  'exited',
  'ready-to-resume',
  'missing-container',
  'corrupt',
  'orphan',
] as const;
export type BottleStatus = (typeof BOTTLE_STATUSES)[number];

/** A capability-block request waiting for the operator's decision. */
export interface PendingRequestView {
  id: string;
  reason: string;
  createdAt: string;
  /** Unified diff, current Dockerfile → proposed Dockerfile. */
  diff: string;
  currentDockerfile: string;
  proposedDockerfile: string;
  /** Set when the last Approve failed to build: the tail of the build log. */
  buildError: string | null;
}

/** A bad inbox file, shown on the card; it never reached Docker. */
export interface InboxWarning {
  file: string;
  message: string;
  at: string;
}

export type ActivityKind = 'starting' | 'building' | 'approving' | 'resuming' | 'stopping' | 'removing' | 'rejecting' | 'applying' | 'exporting';

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

export interface BottleView {
  identity: string;
  /** Null for an orphan container whose state folder is gone, or a corrupt bottle. */
  agentName: string | null;
  cwd: string | null;
  copyCwd: boolean | null;
  startedAt: string | null;
  status: BottleStatus;
  exitCode: number | null;
  containerId: string | null;
  image: string | null;
  hasDockerfile: boolean;
  corruptReason: string | null;
  pendingRequest: PendingRequestView | null;
  warnings: InboxWarning[];
  historyCount: number;
  activity: BottleActivity | null;
}

/** `claude-bottle show`: the view plus the engine, every pending request in full, and the actions. */
export interface BottleDetail extends BottleView {
  engine: { endpoint: string; source: string; context: string | null };
  pendingRequests: PendingRequestView[];
  actions: ActionState[];
}

/** What starting a bottle takes: which agent, on which folder, mounted or copied. */
export interface StartBottleRequest {
  agent: string;
  /** Absolute host path of the project folder. */
  cwd: string;
  copy: boolean;
}

export interface AgentSummary {
  name: string;
  description: string;
  source: 'project' | 'user' | 'builtin';
}

export interface EngineStatus {
  state: 'connected' | 'unavailable';
  version: string | null;
  /** The endpoint in use, e.g. unix:///var/run/docker.sock, and how it was found. */
  endpoint: string;
  endpointSource: string;
  message: string | null;
}

export interface JournalEntry {
  at: string;
  decision: 'approved' | 'rejected' | 'build-failed' | 'invalid-request';
  requestId: string;
  reason: string;
  diff: string;
  imageId: string | null;
  message: string | null;
  by: string;
}
