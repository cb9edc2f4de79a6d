import type { AppEvent } from '../shared/app-events';
import type { EngineStatus, EngineSummary } from '../shared/bottle-view';
import { countOtherInstances } from './services/bottle-list';
import { LogStreams } from './bottles/log-streams';
import { TerminalFeeds } from './bottles/terminal-feeds';
import { TerminalSessions, type TerminalFlow } from './bottles/terminal-sessions';
import { describeSignIn } from '../shared/credentials-view';
import { isConnectionError } from './engine/docker-client';
import { createInboxWatcher, recoverInterruptedApprovals } from './rebuild';
import { refreshAllDue, refreshIfDue } from './credentials/credential-refresh';
import { startHomeRefresh } from './credentials/home-refresh-loop';
import { CredentialStoreWatch } from './credentials/credential-store-watch';
import { AgentService } from './services/agent-service';
import { createCoreDeps, type CoreDeps } from './deps/core-deps';
import { BottleService } from './services/bottle-service';
import { ChangesService } from './services/changes-service';
import { CheckpointService } from './services/checkpoint-service';
import { ForkService } from './services/fork-service';
import type { UnappliedWork } from '../shared/changes';
import { ClientSession } from './services/client-session';
import { DisposableStore, toDisposable } from './base/disposable';
import { CredentialService } from './services/credential-service';
import { createCoreLog, type CoreLog } from './base/core-log';
import { EngineWatchers, probeEngine } from './services/engine-watch';
import { LiveViews, type LiveViewSources } from './services/live-views';
import { errorMessage } from './base/bottle-error';
import { Notices } from './base/notices';
import { StatsSampler } from './services/stats-sampler';
import { GatewayService } from './services/gateway-service';
import { logFilePath, settingsPath, stateRoot } from './state/state-paths';
import { StateRootWatch, watchBottleFolders, watchSettingsFile } from './state/state-root-watch';
import type { ContainerEvent, ContainerFacts } from './bottles/container-event';

export interface CoreOptions {
  /** The core's dependencies (the engines, the activity tracker, the caches); created when not given. */
  deps?: CoreDeps;
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
  deps: CoreDeps;
  bottles: BottleService;
  /** How agents are signed in (the credential store), sign out, stored tokens. */
  credentials: CredentialService;
  /** What agents changed: diff, apply, export, and the Changes view's live refresh. */
  changes: ChangesService;
  /** Checkpoints of bottles (issue 24): take, list, drop. */
  checkpoints: CheckpointService;
  forks: ForkService;
  agents: AgentService;
  /** The bottles' network gateway (issue 19): held requests, answers, rules, the connection log. */
  network: GatewayService;
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
  /** Every event, every client's included: for the core's own front-end parts (notifications), never a client. */
  subscribe(listener: (event: AppEvent) => void): () => void;
  /**
   * A client (a window's page, a browser tab): it receives the broadcast events and the events of
   * what it opened, nothing of another client's; closing it (or the core) releases what it opened.
   */
  openSession(send: (event: AppEvent) => void): ClientSession;
  /** Open client sessions (for tests and diagnostics). */
  readonly sessionCount: number;
  /** Listeners subscribed to every event (for tests and diagnostics). */
  readonly listenerCount: number;
  /** Closes client sessions, streams and watchers; bottles keep running. */
  close(): Promise<void>;
}

/** The bottle core shared by the desktop app, `claude-bottle serve` and the CLI. */
export function createCore(options: CoreOptions = {}): Core {
  const deps = options.deps ?? createCoreDeps();
  // The front ends' listeners; the core's own parts are called directly, never subscribed here.
  const listeners = new Set<(event: AppEvent) => void>();
  const sessions = new Set<ClientSession>();
  const emit = (event: AppEvent): void => {
    for (const listener of listeners) listener(event);
    for (const session of sessions) session.deliver(event);
  };
  const notices = new Notices(options.log ?? createCoreLog(logFilePath()), emit);
  // Bottles and their Changes call each other (a change runs under the bottle's lock, a bottle's
  // change marks its Changes stale), and a live core's views read bottles: these hooks are resolved
  // when called, and none is called before the core is built.
  let live: LiveCore | null = null;
  const bottleChanged = (identity: string, event?: ContainerEvent): void => {
    live?.views.refresh(identity, event);
    changes.bottleChanged(identity);
    network.bottleChanged(identity);
  };
  const bottles = new BottleService(deps, {
    changed: bottleChanged,
    notices,
    keptViews: async () => (live === null ? null : live.views.kept()),
    unapplied: (identity): Promise<UnappliedWork | null> => changes.unapplied(identity),
  });
  const changes: ChangesService = new ChangesService(deps, {
    emit,
    locked: (identity, kind, work) => bottles.withLock(identity, kind, work),
    warn: (message) => notices.log.write('warning', message),
  });
  const checkpoints = new CheckpointService({
    locked: (identity, kind, work) => bottles.withLock(identity, kind, work),
    warn: (message) => notices.log.write('warning', message),
  });
  const forks = new ForkService({
    locked: (identity, kind, work) => bottles.withLock(identity, kind, work),
    discard: async (identity) => {
      await bottles.remove(identity, { keepState: false, force: true });
    },
    warn: (message) => notices.log.write('warning', message),
  });
  const feeds = new TerminalFeeds(deps, (identity, message) => notices.log.write('warning', `terminal feed of ${identity}: ${message}`));
  const terminals = new TerminalSessions(deps, emit, feeds);
  const logs = new LogStreams((identity, logOptions, shown) => bottles.logs(identity, logOptions, shown), emit);
  const stats = new StatsSampler(deps, emit, (error) => notices.log.write('warning', `stats sampling failed: ${errorMessage(error)}`));
  const credentials = new CredentialService(
    {
      changed: (status) => {
        emit({ type: 'credentials', status });
        // A value stored by this core (`credentials set`, even from a CLI with no live core running) reaches the gateways' tables.
        network.credentialsChanged();
      },
    },
    deps,
  );
  const agents = new AgentService(deps);
  const signIn: TerminalFlow = async (terminal, signal) =>
    `Signed in: ${describeSignIn(await credentials.signIn({ terminal, signal }))}. New bottles start signed in.`;
  const network = new GatewayService(
    deps,
    {
      changed: (identity) => live?.views.refresh(identity),
      logged: (identity, entry) => emit({ type: 'network-log', identity, entry }),
      refreshWanted: (set) => {
        // The gateway kept the bottle signed in with placeholders; the real login is refreshed here.
        refreshIfDue(set, { force: true })
          .then(async (outcome) => {
            if (outcome.result === 'refreshed' || outcome.result === 'refused') await credentials.announce(set);
          })
          .catch((error: unknown) => notices.failure(`Could not refresh the sign-in of ${set}`, error));
      },
      warn: (message) => notices.log.write('warning', message),
    },
    options.live === true,
  );
  // A launch waits for its bottle to be in its gateway's tables (see CoreDeps.gateways).
  deps.gateways = {
    ready: (identity) => network.bottleReady(identity),
    readyOn: (engine) => network.engineReady(engine),
    open: (engine) => network.open(engine),
  };
  // What the core owns, released newest first by close: the clients and what they opened, the
  // live parts (everything that feeds events), the services they fed, then the engines and the log.
  const owned = new DisposableStore();
  owned.add(toDisposable(() => notices.log.flush()));
  owned.add(toDisposable(() => deps.caches.clear()));
  owned.add(toDisposable(() => deps.engines.close()));
  owned.add(
    toDisposable(() => {
      notices.close();
      listeners.clear();
    }),
  );
  owned.add(toDisposable(() => changes.close()));
  // Before the engines close: a change not pushed yet is pushed on the way out.
  owned.add(toDisposable(() => network.close()));
  owned.add(toDisposable(() => stats.close()));
  owned.add(toDisposable(() => logs.closeAll()));
  owned.add(toDisposable(() => terminals.closeAll()));
  owned.add(toDisposable(() => bottles.hostDisk.close()));
  if (options.live === true) {
    const started = startLive({ deps, bottles, credentials, network, feeds, notices, emit, bottleChanged });
    live = started;
    owned.add(toDisposable(() => started.close()));
    // Subscription logins are refreshed here, at home, before they run out (issue 20).
    const homeRefresh = startHomeRefresh({
      round: refreshAllDue,
      changed: (set) => {
        credentials.announce(set).catch((error: unknown) => notices.failure('Could not read the sign-in state', error));
      },
      warn: (message) => notices.log.write('warning', message),
    });
    owned.add(toDisposable(() => homeRefresh.close()));
    // The stream opened from the start, so requests held before any change show at once.
    network.sync().catch((error: unknown) => notices.log.write('warning', `network gateway: ${errorMessage(error)}`));
    // A rule added to settings.json by hand or by another core reaches the gateways at once.
    owned.add(
      watchSettingsFile(
        () => network.settingsChanged(),
        (error) =>
          notices.log.write(
            'warning',
            `cannot watch ${settingsPath()} (rules added there apply at the next change): ${errorMessage(error)}`,
          ),
      ),
    );
  }

  return {
    deps,
    bottles,
    credentials,
    changes,
    checkpoints,
    forks,
    agents,
    network,
    engine: engineStatus(deps, () => live?.watchers ?? null),
    terminals,
    logs,
    stats,
    notices,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    openSession(send) {
      const session = new ClientSession({ terminals, logs, stats, changes, signIn }, send, (closed) => {
        sessions.delete(closed);
        owned.delete(closed);
      });
      sessions.add(session);
      return owned.add(session);
    },
    get sessionCount() {
      return sessions.size;
    },
    get listenerCount() {
      return listeners.size;
    },
    async close() {
      await owned.dispose();
    },
  };
}

/** Engines' status: a live core's watchers know it; otherwise each engine is asked. */
function engineStatus(deps: CoreDeps, watchers: () => EngineWatchers | null): Core['engine'] {
  return {
    async status() {
      const name = deps.engines.currentName;
      return watchers()?.status(name) ?? probeEngine(deps, name);
    },
    async list() {
      return Promise.all(
        deps.engines
          .summaries()
          .map(async (summary) => ({ ...summary, status: watchers()?.status(summary.name) ?? (await probeEngine(deps, summary.name)) })),
      );
    },
  };
}

/** What only a live core runs: each part started by startLive, each released by `close`. */
interface LiveCore {
  views: LiveViews;
  watchers: EngineWatchers;
  close(): Promise<void>;
}

/** The core's parts a live core watches, refreshes and reports through. */
interface LiveParts {
  deps: CoreDeps;
  bottles: BottleService;
  credentials: CredentialService;
  network: GatewayService;
  feeds: TerminalFeeds;
  notices: Notices;
  emit: (event: AppEvent) => void;
  bottleChanged: (identity: string, event?: ContainerEvent) => void;
}

/** The views' reads: every engine a listed bottle lives on gets its own event stream. */
function liveSources(bottles: BottleService, watchers: () => EngineWatchers): LiveViewSources {
  return {
    view: async (identity: string, container?: ContainerFacts) => {
      const view = await bottles.view(identity, container);
      if (view !== null) watchers().watch(view.engine);
      return view;
    },
    list: async () => {
      const listing = await bottles.listFresh();
      for (const view of listing.bottles) watchers().watch(view.engine);
      return listing;
    },
    otherInstances: () => countOtherInstances(watchers().engineDeps()),
    engineConnected: (engine?: string) =>
      engine === undefined ? watchers().allConnected() : watchers().status(engine)?.state === 'connected',
  };
}

/** One event stream per engine: a bottle's change refreshes it, and a lost engine shows its bottles offline. */
function engineWatchers(parts: LiveParts, views: LiveViews): EngineWatchers {
  const { deps, notices, emit } = parts;
  const resync = (): void => {
    views.resync().catch((error: unknown) => notices.failure('Could not re-read the bottles', error));
  };
  return new EngineWatchers(deps, {
    onBottleChanged: parts.bottleChanged,
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
}

/**
 * A change in the credential store (made by this host only: `credentials set`, a sign-in, the home
 * refresh, a migration) reaches the front ends and every gateway's credentials table.
 */
function credentialStoreWatch(parts: LiveParts): CredentialStoreWatch {
  const { credentials, network, notices } = parts;
  return new CredentialStoreWatch({
    changed: (set) => {
      credentials.announce(set).catch((error: unknown) => notices.failure('Could not read the sign-in state', error));
      network.credentialsChanged();
    },
    failure: (what, error) => notices.failure(what, error),
  });
}

/**
 * What a live core runs: built first, then started in this order (the credential store's watch, the engine
 * event streams, the state root's one watch, the remote inbox poll, the inbox watcher, the
 * activity subscription, the one-off recovery of interrupted approvals); `close` releases each,
 * event sources before their views. The terminal feeds it starts belong to the terminals, closed
 * with them.
 */
function startLive(parts: LiveParts): LiveCore {
  const { deps, bottles, feeds, notices, emit } = parts;
  // The views read bottles through the engine watchers, which tell the views what changed. Every
  // running bottle's terminal output is kept from the moment its view shows it running.
  const viewEvents = (event: AppEvent): void => {
    followTerminalFeeds(feeds, event);
    emit(event);
  };
  const views = new LiveViews(
    deps,
    liveSources(bottles, () => watchers),
    viewEvents,
    notices,
  );
  const watchers = engineWatchers(parts, views);
  const store = credentialStoreWatch(parts);
  store.start();
  watchers.watch(deps.engines.currentName);
  // One watch of the state root, for the bottle folders coming and going and for the inbox watcher.
  const root = new StateRootWatch((error) =>
    notices.log.write('warning', `cannot watch ${stateRoot()} (the periodic rescan stands in): ${errorMessage(error)}`),
  );
  const folders = watchBottleFolders(root, parts.bottleChanged);
  const remotePoll = new RemoteInboxPoll(bottles, (identity) => views.refresh(identity), notices);
  const inboxes = createInboxWatcher((identity) => views.refresh(identity), {
    onError: (identity, error) => notices.failure(`Could not read the inbox of ${identity}`, error),
    onTouched: (identity, how) => (how === 'event' ? bottles.hostDisk.changed(identity) : bottles.hostDisk.sweep(identity)),
    stateRoot: root,
  });
  const stopActivity = deps.activity.subscribe((identity, activity) => {
    emit({ type: 'activity', identity, activity });
  });
  recoverApprovals(deps, notices);
  return {
    views,
    watchers,
    async close() {
      await remotePoll.close();
      watchers.close();
      await folders.dispose();
      inboxes.close();
      root.dispose();
      views.close();
      store.close();
      stopActivity();
    },
  };
}

/** A pushed view starts its running bottle's terminal feed, and a bottle gone ends its own. */
function followTerminalFeeds(feeds: TerminalFeeds, event: AppEvent): void {
  if (event.type === 'bottle-changed') feeds.track(event.bottle);
  else if (event.type === 'bottle-removed') feeds.forget(event.identity);
}

/** Settles, once at start, the approvals an earlier process was killed in the middle of. */
function recoverApprovals(deps: CoreDeps, notices: Notices): void {
  recoverInterruptedApprovals(deps).then(
    (failures) => {
      for (const failure of failures)
        notices.report('error', `Could not finish the interrupted approval of ${failure.identity}: ${failure.message}`);
    },
    (error: unknown) => notices.failure('Could not check for interrupted approvals', error),
  );
}

/** How often the live core looks into remote bottles' inboxes (one HEAD request each when unchanged). */
const REMOTE_INBOX_POLL_MS = 1000;

/**
 * A remote bottle's inbox is inside its container, out of reach of a file watch: the live core
 * asks each one's engine whether it changed, and settles it when it did. One pass at a time; a
 * closed poll starts none, and its close waits for the pass in flight, so nothing reports after.
 */
class RemoteInboxPoll {
  private readonly timer: NodeJS.Timeout;
  private pass: Promise<void> | null = null;

  constructor(
    private readonly bottles: BottleService,
    private readonly changed: (identity: string) => void,
    private readonly notices: Notices,
  ) {
    this.timer = setInterval(() => {
      this.pass ??= this.settleAll().finally(() => {
        this.pass = null;
      });
    }, REMOTE_INBOX_POLL_MS);
    this.timer.unref();
  }

  private async settleAll(): Promise<void> {
    for (const identity of this.bottles.remoteIdentities()) {
      try {
        if (await this.bottles.settleInbox(identity)) this.changed(identity);
      } catch (error: unknown) {
        // An engine that is away shows as such on its bottles; anything else is worth saying.
        if (!isConnectionError(error)) this.notices.failure(`Could not read the inbox of ${identity}`, error);
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pass;
  }
}
