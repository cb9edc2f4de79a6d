import type { BottleView } from '../../shared/bottle-view';
import type { AppEvent } from '../../shared/ipc-contract';
import type { IpcHandlers } from '../../ipc/dispatch';
import { listAgents } from '../agents/agents';
import { createBottleContext, type BottleContext } from './bottle-context';
import { watchBottles, type BottleWatcher } from '../bottles/bottle-events';
import { removeBottle, resumeBottle, startBottle, stopBottle } from '../bottles/bottle-lifecycle';
import { bottleView, listBottles, type RebuildFieldsProvider } from '../bottles/bottle-list';
import { createRebuildHooks } from './rebuild-hooks';
import { TerminalSessions } from '../bottles/terminal-sessions';

export type CoreHandlers = Omit<IpcHandlers, 'dialog:choose-folder'>;

export interface BottleCore {
  context: BottleContext;
  handlers: CoreHandlers;
  subscribe(listener: (event: AppEvent) => void): () => void;
  close(): Promise<void>;
}

/** The rebuild loop's entry points, plugged in by createRebuildHooks (kept apart to avoid a cycle). */
export interface RebuildHooks {
  rebuildFields: RebuildFieldsProvider;
  approve: IpcHandlers['bottle:approve'];
  reject: IpcHandlers['bottle:reject'];
  history: IpcHandlers['bottle:history'];
  /** Settles one bottle's approval that a killed process left half done, before acting on it. */
  recoverBottle(identity: string): Promise<void>;
  /** Starts watching inboxes; calls back with the identity whose requests changed. */
  watchInboxes(onChange: (identity: string) => void): { close(): void };
  recover(): Promise<void>;
}

export interface BottleCoreOptions {
  context?: BottleContext;
  rebuild?: RebuildHooks;
}

/** Coalesces bursts of events (a docker stop emits kill, die, stop) into one view refresh. */
const REFRESH_DEBOUNCE_MS = 25;

/**
 * The bottle core shared by the Electron main process and `claude-bottle serve`: the contract's
 * handlers plus one live event stream (Docker events, state-folder and inbox changes, activity).
 */
export function createBottleCore(options: BottleCoreOptions = {}): BottleCore {
  const context = options.context ?? createBottleContext();
  const rebuild = options.rebuild ?? createRebuildHooks(context);
  const listOptions = { rebuildFields: rebuild.rebuildFields };
  const listeners = new Set<(event: AppEvent) => void>();
  const emit = (event: AppEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const known = new Set<string>();
  const pending = new Map<string, NodeJS.Timeout>();

  const publish = (identity: string, view: BottleView | null): void => {
    if (view === null) {
      if (known.delete(identity)) emit({ type: 'bottle-removed', identity });
      return;
    }
    known.add(identity);
    emit({ type: 'bottle-changed', bottle: view });
  };
  // Per bottle: a refresh is scheduled, running, or both; an event that lands while one runs
  // schedules another, so the last event is always followed by a fresh read.
  const running = new Set<string>();
  const dirty = new Set<string>();
  // When each bottle last had an event: a resync must not overwrite what a refresh since read.
  const lastEvent = new Map<string, number>();
  let tick = 0;
  const refresh = (identity: string): void => {
    tick += 1;
    lastEvent.set(identity, tick);
    if (pending.has(identity)) return;
    if (running.has(identity)) {
      dirty.add(identity);
      return;
    }
    pending.set(
      identity,
      setTimeout(() => {
        pending.delete(identity);
        running.add(identity);
        bottleView(context, identity, listOptions)
          .then(
            (view) => publish(identity, view),
            () => undefined,
          )
          .finally(() => {
            running.delete(identity);
            if (dirty.delete(identity)) refresh(identity);
          });
      }, REFRESH_DEBOUNCE_MS),
    );
  };
  const resync = async (): Promise<void> => {
    const startedAt = tick;
    const views = await listBottles(context, listOptions);
    // A bottle with an event after the listing began has a newer refresh of its own on the way.
    const settled = (identity: string): boolean => (lastEvent.get(identity) ?? 0) <= startedAt;
    const now = new Set(views.map((view) => view.identity));
    for (const identity of [...known]) if (!now.has(identity) && settled(identity)) publish(identity, null);
    for (const view of views) if (settled(view.identity)) publish(view.identity, view);
  };

  const watcher: BottleWatcher = watchBottles(context, {
    onBottleChanged: refresh,
    onResync: () => void resync().catch(() => undefined),
    onEngineStatus: (status) => emit({ type: 'engine-status', status }),
  });
  const inboxes = rebuild.watchInboxes(refresh);
  const stopActivity = context.activity.subscribe((identity, activity) => emit({ type: 'activity', identity, activity }));
  const terminals = new TerminalSessions(context, emit);
  void rebuild.recover().catch(() => undefined);

  /** Runs a lifecycle action and refreshes the bottle's view afterwards, whatever happened. */
  const acting = async <T>(identity: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } finally {
      refresh(identity);
    }
  };

  const handlers: CoreHandlers = {
    'bottles:list': async () => listBottles(context, listOptions),
    'agents:list': async ({ cwd }) => listAgents(cwd),
    'engine:status': async () => watcher.engineStatus(),
    'bottle:start': async (request) => {
      const result = await startBottle(context, request);
      refresh(result.identity);
      return result;
    },
    'bottle:stop': async (identity) =>
      acting(identity, async () => {
        await rebuild.recoverBottle(identity);
        await stopBottle(context, identity);
        return null;
      }),
    'bottle:remove': async (identity, { keepState }) => acting(identity, async () => (await removeBottle(context, identity, { keepState }), null)),
    'bottle:resume': async (identity) =>
      acting(identity, async () => {
        await rebuild.recoverBottle(identity);
        return resumeBottle(context, identity);
      }),
    'bottle:approve': async (identity, request) => acting(identity, () => rebuild.approve(identity, request)),
    'bottle:reject': async (identity, request) => acting(identity, () => rebuild.reject(identity, request)),
    'bottle:history': async (identity) => rebuild.history(identity),
    'terminal:open': async ({ identity, cols, rows }) => terminals.open(identity, cols, rows),
    'terminal:input': async (sessionId, data) => (await terminals.input(sessionId, data), null),
    'terminal:resize': async (sessionId, cols, rows) => (await terminals.resize(sessionId, cols, rows), null),
    'terminal:close': async (sessionId) => (await terminals.close(sessionId), null),
  };

  return {
    context,
    handlers,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      watcher.close();
      inboxes.close();
      stopActivity();
      terminals.closeAll();
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
      listeners.clear();
    },
  };
}
