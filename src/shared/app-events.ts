/**
 * Everything the core pushes to whoever shows bottles (desktop window, browser tab), on one stream.
 * Pure types: the core emits them, the contract carries them, the renderer applies them.
 */
import type { StatsSample } from './bottle-stats';
import type { BottleActivity, BottleView, EngineStatus } from './bottle-view';
import type { CredentialStatus } from './credentials-view';
import type { NetworkLogEntry } from './network-view';

export type NoticeLevel = 'info' | 'warning' | 'error';

export type AppEvent =
  | { type: 'bottle-changed'; bottle: BottleView }
  | { type: 'bottle-removed'; identity: string }
  | { type: 'engine-status'; status: EngineStatus }
  | { type: 'activity'; identity: string; activity: BottleActivity | null }
  | { type: 'terminal-data'; sessionId: string; data: string }
  | { type: 'terminal-exit'; sessionId: string }
  | { type: 'notice'; level: NoticeLevel; message: string }
  | { type: 'log-data'; streamId: string; data: string }
  /** The log stream ended: the container stopped, or (reason set) reading failed. */
  | { type: 'log-end'; streamId: string; reason: string | null }
  /** One sampling round of the bottles some window watches. */
  | { type: 'stats'; samples: StatsSample[] }
  /** From the desktop app to its window only: the operator clicked a notification about this bottle. */
  | { type: 'open-approval'; identity: string }
  | { type: 'credentials'; status: CredentialStatus }
  /** A watched bottle's changes moved (revision -1: something happened, ask again). */
  | { type: 'changes-updated'; identity: string; revision: number }
  /** How many bottles of other instances (other state roots) on the engines are left out of the list. */
  | { type: 'other-instances'; count: number }
  /** A connection of the bottle ended or was refused, and is on its log now (the Network tab appends it). */
  | { type: 'network-log'; identity: string; entry: NetworkLogEntry };
