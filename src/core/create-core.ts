import type { AppEvent } from '../shared/app-events';
import type { EngineStatus, EngineSummary } from '../shared/bottle-view';
import { countOtherInstances } from './services/bottle-list';
import { LogStreams } from './bottles/log-streams';
import { TerminalFeeds } from './bottles/terminal-feeds';
import { TerminalSessions } from './bottles/terminal-sessions';
import { isConnectionError } from './engine/docker-client';
import { createInboxWatcher, recoverInterruptedApprovals, type InboxWatcher } from './rebuild';
import { CredentialSync } from './credentials/credential-sync';
import { AgentService } from './services/agent-service';
import { createCoreDeps, type CoreDeps } from './deps/core-deps';
import { BottleService } from './services/bottle-service';
import { ChangesService } from './services/changes-service';
import { CredentialService } from './services/credential-service';
import { createCoreLog, type CoreLog } from './base/core-log';
import { EngineWatchers, probeEngine } from './services/engine-watch';
import { LiveViews } from './services/live-views';
import { errorMessage } from './base/bottle-error';
import { Notices } from './base/notices';
import { StatsSampler } from './services/stats-sampler';
import { logFilePath } from './state/state-paths';

export interface CoreOptions {
  context?: CoreDeps;
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
  context: CoreDeps;
  bottles: BottleService;
  /** How agents are signed in (the credential store), sign out, stored tokens. */
  credentials: CredentialService;
  /** What agents changed: diff, apply, export, and the Changes view's live refresh. */
  changes: ChangesService;
  agents: AgentService;
  engine: {
    /** The current engine's status (where new bottles go). */
    status(): Promise<EngineStatus>;
    /** Every engine the operator can start bottles on, with its status. */
    list(): Promise<EngineSummary[]>;
  };
  terminals: TerminalSessions;
  /** Open Logs tabs: the engine's log of a bottle, pushed as log-data events. */
  logs: LogStreams;
  /** CPU and memory of the running bottles some window watches. */
  stats: StatsSampler;
  notices: Notices;
  subscribe(listener: (event: AppEvent) => void): () => void;
  /** Closes streams and watchers; bottles keep running. */
  close(): Promise<void>;
}

/** The bottle core shared by the desktop app, `claude-bottle serve` and the CLI. */
export function createCore(options: CoreOptions = {}): Core {
  const context = options.context ?? createCoreDeps();
  const listeners = new Set<(event: AppEvent) => void>();
  const emit = (event: AppEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const notices = new Notices(options.log ?? createCoreLog(logFilePath()), emit);
  let live: LiveViews | null = null;
  const bottleChanged = (identity: string): void => {
    live?.refresh(identity);
    changes.bottleChanged(identity);
  };
  const bottles = new BottleService(context, { changed: bottleChanged, notices, keptViews: async () => (live === null ? null : live.kept()) });
  const changes = new ChangesService(context, { emit, locked: (identity, kind, work) => bottles.withLock(identity, kind, work) });
  const feeds = new TerminalFeeds(context, (identity, message) => notices.log.write('warning', `terminal feed of ${identity}: ${message}`));
  const terminals = new TerminalSessions(context, emit, feeds);
  const logs = new LogStreams((identity, logOptions) => bottles.logs(identity, logOptions), emit);
  const stats = new StatsSampler(context, emit, (error) => notices.log.write('warning', `stats sampling failed: ${errorMessage(error)}`));
  const credentials = new CredentialService({ changed: (status) => emit({ type: 'credentials', status }) });

  let watchers: EngineWatchers | null = null;
  let inboxes: InboxWatcher | null = null;
  let remotePoll: NodeJS.Timeout | undefined;
  let stopActivity = (): void => undefined;
  let sync: CredentialSync | null = null;
  if (options.live === true) {
    // Logins made or refreshed inside running bottles reach the store, and every other bottle.
    sync = new CredentialSync(
      context,
      {
        changed: (set) => {
          credentials.announce(set).catch((error: unknown) => notices.failure('Could not read the sign-in state', error));
        },
        failure: (what, error) => notices.failure(what, error),
      },
      () => watchers?.contexts() ?? [context],
    );
    sync.start();
    // Every engine a listed bottle lives on gets its own event stream.
    const sources = {
      view: async (identity: string) => {
        const view = await bottles.view(identity);
        if (view !== null) watchers?.watch(view.engine);
        return view;
      },
      list: async () => {
        const listing = await bottles.listFresh();
        for (const view of listing.bottles) watchers?.watch(view.engine);
        return listing;
      },
      otherInstances: () => countOtherInstances(watchers?.contexts() ?? [context]),
      engineConnected: () => watchers?.allConnected() ?? false,
    };
    const views = new LiveViews(context, sources, emit, notices);
    live = views;
    // Every running bottle's terminal output is kept from the moment it is seen running.
    listeners.add((event) => {
      if (event.type === 'bottle-changed') feeds.track(event.bottle);
      else if (event.type === 'bottle-removed') feeds.forget(event.identity);
    });
    const resync = (): void => {
      views.resync().catch((error: unknown) => notices.failure('Could not re-read the bottles', error));
    };
    watchers = new EngineWatchers(context, {
      onBottleChanged: bottleChanged,
      onResync: resync,
      onOtherInstance: () => views.recountOtherInstances(),
      onEngineStatus: (status) => {
        emit({ type: 'engine-status', status });
        if (status.state === 'unavailable' && status.message !== 'connecting…') {
          notices.log.write('warning', `Docker engine ${status.name} unavailable: ${status.message ?? ''}`);
          // Its bottles show offline now, not their last state.
          resync();
        }
      },
    });
    watchers.watch(context.engines.currentName);
    remotePoll = pollRemoteInboxes(bottles, (identity) => views.refresh(identity), notices);
    inboxes = createInboxWatcher((identity) => views.refresh(identity), {
      onError: (identity, error) => notices.failure(`Could not read the inbox of ${identity}`, error),
      onTouched: (identity, how) => (how === 'event' ? bottles.hostDisk.changed(identity) : bottles.hostDisk.sweep(identity)),
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
    credentials,
    changes,
    agents: new AgentService(context),
    engine: {
      async status() {
        const name = context.engines.currentName;
        return watchers?.status(name) ?? probeEngine(context, name);
      },
      async list() {
        return Promise.all(
          context.engines.summaries().map(async (summary) => ({ ...summary, status: watchers?.status(summary.name) ?? (await probeEngine(context, summary.name)) })),
        );
      },
    },
    terminals,
    logs,
    stats,
    notices,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      clearInterval(remotePoll);
      watchers?.close();
      inboxes?.close();
      bottles.hostDisk.close();
      live?.close();
      sync?.close();
      stopActivity();
      await terminals.closeAll();
      logs.closeAll();
      stats.close();
      await changes.close();
      notices.close();
      listeners.clear();
      context.engines.close();
      await notices.log.flush();
    },
  };
}

/** How often the live core looks into remote bottles' inboxes (one HEAD request each when unchanged). */
const REMOTE_INBOX_POLL_MS = 1000;

/**
 * A remote bottle's inbox is inside its container, out of reach of a file watch: the live core
 * asks each one's engine whether it changed, and settles it when it did.
 */
function pollRemoteInboxes(bottles: BottleService, changed: (identity: string) => void, notices: Notices): NodeJS.Timeout {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    const pass = async (): Promise<void> => {
      for (const identity of bottles.remoteIdentities()) {
        try {
          if (await bottles.settleInbox(identity)) changed(identity);
        } catch (error: unknown) {
          // An engine that is away shows as such on its bottles; anything else is worth saying.
          if (!isConnectionError(error)) notices.failure(`Could not read the inbox of ${identity}`, error);
        }
      }
    };
    void pass().finally(() => {
      running = false;
    });
  }, REMOTE_INBOX_POLL_MS);
  timer.unref();
  return timer;
}
