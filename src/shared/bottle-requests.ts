/**
 * What a window asks of the core beyond one bottle's actions: several bottles at once, and a
 * bottle's log. Pure types: the core, the contract and the renderer share them.
 */

/** The container's output: the last `tail` lines, then (with `follow`) what it writes next, as log-data events. */
export interface LogsOpenRequest {
  identity: string;
  tail: number;
  follow: boolean;
  /** The container the window shows: read without looking the bottle's container up, once the engine confirms it is this bottle's. */
  containerId?: string;
}

/** One action on several bottles, each through the same service call (and lock) as on its own. */
export interface BulkRequest {
  action: 'stop' | 'remove';
  identities: string[];
  /** For remove: keep each state folder (stop with the state saved), as `rm --keep-state`. */
  keepState: boolean;
}

export interface BulkResult {
  identity: string;
  /** skipped: the bottle's state does not allow the action now (message says why). */
  outcome: 'done' | 'skipped' | 'failed';
  message: string | null;
}
