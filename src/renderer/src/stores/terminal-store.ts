import { create } from 'zustand';

/** Terminal output is not kept in React state: xterm writes it directly, listeners are per session. */
type DataListener = (data: string) => void;
const dataListeners = new Map<string, Set<DataListener>>();
const exitListeners = new Map<string, Set<() => void>>();

/** Output that arrives before the panel knows its session id (the open call is still answering). */
const early = new Map<string, string>();
const EARLY_LIMIT = 64 * 1024;

export function onTerminalData(sessionId: string, listener: DataListener): () => void {
  const set = dataListeners.get(sessionId) ?? new Set<DataListener>();
  set.add(listener);
  dataListeners.set(sessionId, set);
  const buffered = early.get(sessionId);
  if (buffered !== undefined) {
    early.delete(sessionId);
    listener(buffered);
  }
  return () => set.delete(listener);
}

export function onTerminalExit(sessionId: string, listener: () => void): () => void {
  const set = exitListeners.get(sessionId) ?? new Set<() => void>();
  set.add(listener);
  exitListeners.set(sessionId, set);
  return () => set.delete(listener);
}

export function emitTerminalData(sessionId: string, data: string): void {
  const listeners = dataListeners.get(sessionId);
  if (listeners === undefined || listeners.size === 0) {
    early.set(sessionId, ((early.get(sessionId) ?? '') + data).slice(-EARLY_LIMIT));
    return;
  }
  for (const listener of listeners) listener(data);
}

export function emitTerminalExit(sessionId: string): void {
  for (const listener of exitListeners.get(sessionId) ?? []) listener();
  dataListeners.delete(sessionId);
  exitListeners.delete(sessionId);
  early.delete(sessionId);
}

interface TerminalState {
  /** The bottle whose terminal panel is open. */
  identity: string | null;
  open(identity: string): void;
  close(): void;
}

export const useTerminalStore = create<TerminalState>()((set) => ({
  identity: null,
  open: (identity) => set({ identity }),
  close: () => set({ identity: null }),
}));
