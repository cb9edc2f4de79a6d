import type { AppEvent } from '../shared/app-events';
import type { AgentSummary, EngineStatus } from '../shared/bottle-view';
import { listAgents } from './agents/agents';
import { watchBottles, type BottleWatcher } from './bottles/bottle-events';
import { TerminalSessions } from './bottles/terminal-sessions';
import { engineInfo } from './engine/docker-client';
import { createInboxWatcher, recoverInterruptedApprovals, type InboxWatcher } from './rebuild';
import { createBottleContext, type BottleContext } from './services/bottle-context';
import { BottleService } from './services/bottle-service';
import { ChangesService } from './services/changes-service';
import { errorMessage } from './services/bottle-error';
import { createCoreLog, type CoreLog } from './services/core-log';
import { LiveViews } from './services/live-views';
import { Notices } from './services/notices';

export interface CoreOptions {
  context?: BottleContext;
  /**
   * Live cores (the desktop app, `serve`) watch Docker events, the state folder and every inbox,
   * settle interrupted approvals at start, and push views as bottles change. The CLI's core is not
   * live: each command reads the truth when it runs.
   */
  live?: boolean;
  log?: CoreLog;
}

/** Everything a front end may call: services, never the steps below them. */
export interface Core {
  context: BottleContext;
  bottles: BottleService;
  /** What agents changed: diff, apply, export, and the Changes view's live refresh. */
  changes: ChangesService;
  agents: { list(cwd?: string): Promise<AgentSummary[]> };
  engine: { status(): Promise<EngineStatus> };
  terminals: TerminalSessions;
  notices: Notices;
  subscribe(listener: (event: AppEvent) => void): () => void;
  /** Closes streams and watchers; bottles keep running. */
  close(): Promise<void>;
}

/** The bottle core shared by the desktop app, `claude-bottle serve` and the CLI. */
export function createCore(options: CoreOptions = {}): Core {
  const context = options.context ?? createBottleContext();
  const listeners = new Set<(event: AppEvent) => void>();
  const emit = (event: AppEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const notices = new Notices(options.log ?? createCoreLog(), emit);
  let live: LiveViews | null = null;
  const bottleChanged = (identity: string): void => {
    live?.refresh(identity);
    changes.bottleChanged(identity);
  };
  const bottles = new BottleService(context, { changed: bottleChanged, notices });
  const changes = new ChangesService(context, { emit, locked: (identity, kind, work) => bottles.withLock(identity, kind, work) });
  const terminals = new TerminalSessions(context, emit);

  let watcher: BottleWatcher | null = null;
  let inboxes: InboxWatcher | null = null;
  let stopActivity = (): void => undefined;
  if (options.live === true) {
    const views = new LiveViews(context, { view: (identity) => bottles.view(identity), list: () => bottles.list() }, emit, notices);
    live = views;
    watcher = watchBottles(context, {
      onBottleChanged: bottleChanged,
      onResync: () => {
        views.resync().catch((error: unknown) => notices.failure('Could not re-read the bottles', error));
      },
      onEngineStatus: (status) => {
        emit({ type: 'engine-status', status });
        if (status.state === 'unavailable' && status.message !== 'connecting…') notices.log.write('warning', `Docker engine unavailable: ${status.message ?? ''}`);
      },
    });
    inboxes = createInboxWatcher((identity) => views.refresh(identity), {
      onError: (identity, error) => notices.failure(`Could not read the inbox of ${identity}`, error),
    });
    stopActivity = context.activity.subscribe((identity, activity) => emit({ type: 'activity', identity, activity }));
    recoverInterruptedApprovals(context).then(
      (failures) => {
        for (const failure of failures) notices.report('error', `Could not finish the interrupted approval of ${failure.identity}: ${failure.message}`);
      },
      (error: unknown) => notices.failure('Could not check for interrupted approvals', error),
    );
  }

  return {
    context,
    bottles,
    changes,
    agents: { list: (cwd) => listAgents(cwd) },
    engine: {
      async status() {
        if (watcher !== null) return watcher.engineStatus();
        const { endpoint } = context.connection;
        try {
          const info = await engineInfo(context.connection);
          return { state: 'connected', version: info.version, endpoint: endpoint.host, endpointSource: endpoint.source, message: null };
        } catch (error: unknown) {
          return { state: 'unavailable', version: null, endpoint: endpoint.host, endpointSource: endpoint.source, message: errorMessage(error) };
        }
      },
    },
    terminals,
    notices,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      watcher?.close();
      inboxes?.close();
      live?.close();
      stopActivity();
      terminals.closeAll();
      await changes.close();
      notices.close();
      listeners.clear();
      await notices.log.flush();
    },
  };
}
