/**
 * Everything the core pushes to whoever shows bottles (desktop window, browser tab), on one stream.
 * Pure types: the core emits them, the contract carries them, the renderer applies them.
 */
import type { BottleActivity, BottleView, EngineStatus } from './bottle-view';
import type { CredentialStatus } from './credentials-view';

export type NoticeLevel = 'info' | 'warning' | 'error';

export type AppEvent =
  | { type: 'bottle-changed'; bottle: BottleView }
  | { type: 'bottle-removed'; identity: string }
  | { type: 'engine-status'; status: EngineStatus }
  | { type: 'activity'; identity: string; activity: BottleActivity | null }
  | { type: 'terminal-data'; sessionId: string; data: string }
  | { type: 'terminal-exit'; sessionId: string }
  | { type: 'notice'; level: NoticeLevel; message: string }
  | { type: 'credentials'; status: CredentialStatus }
  /** A watched bottle's changes moved (revision -1: something happened, ask again). */
  | { type: 'changes-updated'; identity: string; revision: number };
