import { randomBytes } from 'node:crypto';
import type { AppEvent } from '../../shared/app-events';
import type { LogsOpenRequest } from '../../shared/bottle-requests';
import type { StatsSample, StatsWatchRequest } from '../../shared/bottle-stats';
import type { ChangeSet, ChangeSince } from '../../shared/changes';
import { BottleError } from '../base/bottle-error';
import { DisposableStore, toDisposable, type Disposable } from '../base/disposable';
import type { LogStreams } from '../bottles/log-streams';
import type { TerminalFlow, TerminalSessions } from '../bottles/terminal-sessions';
import type { ChangesService } from './changes-service';
import type { StatsSampler } from './stats-sampler';

/** The core's parts a client opens things in. */
export interface SessionParts {
  terminals: Pick<TerminalSessions, 'open' | 'openShell' | 'openFlow' | 'input' | 'resize' | 'close'>;
  /** The sign-in flow, run on a terminal of the client that asks for it. */
  signIn: TerminalFlow;
  logs: Pick<LogStreams, 'open' | 'close'>;
  stats: Pick<StatsSampler, 'watch' | 'unwatch'>;
  changes: Pick<ChangesService, 'watch' | 'unwatch'>;
}

/** Events that belong to what one client opened; every other event is for every client. */
const OWNED_EVENTS: ReadonlySet<AppEvent['type']> = new Set([
  'terminal-data',
  'terminal-exit',
  'log-data',
  'log-end',
  'stats',
  'changes-updated',
]);

/**
 * One client of the core (the desktop window's page, a browser tab): it owns the terminals,
 * shells, log streams, stats watches and Changes watches it opened, receives their events and no
 * other client's, and its close releases all of them. Broadcast events (bottle views, notices,
 * engine status) reach every session.
 */
export class ClientSession implements Disposable {
  readonly id = `c-${randomBytes(8).toString('hex')}`;
  private readonly owned = new DisposableStore();
  /** What the client holds, by the id the contract names it with, and how each is released. */
  private readonly terminals = new Map<string, Disposable>();
  private readonly logs = new Map<string, Disposable>();
  private readonly stats = new Map<string, { identities: ReadonlySet<string>; lease: Disposable }>();
  private readonly changes = new Map<string, Disposable>();

  constructor(
    private readonly parts: SessionParts,
    private readonly send: (event: AppEvent) => void,
    private readonly onClosed: (session: ClientSession) => void = () => undefined,
  ) {}

  get closed(): boolean {
    return this.owned.isDisposed;
  }

  /** How many things the client holds open (for tests and diagnostics). */
  get size(): number {
    return this.owned.size;
  }

  /** A core event: broadcast ones are passed on; owned ones only when they are this client's. */
  deliver(event: AppEvent): void {
    if (this.closed) return;
    if (!OWNED_EVENTS.has(event.type)) return this.send(event);
    if (event.type === 'stats') {
      if (this.stats.size === 0) return;
      const watched = new Set<string>();
      for (const watch of this.stats.values()) for (const identity of watch.identities) watched.add(identity);
      this.send({ type: 'stats', samples: event.samples.filter((sample: StatsSample) => watched.has(sample.identity)) });
    } else if (event.type === 'changes-updated') {
      if (this.changes.has(event.identity)) this.send(event);
    }
    // Terminal and log events come straight from their streams to `own` below, never through here.
  }

  async openTerminal(kind: 'agent' | 'shell', identity: string, cols: number, rows: number): Promise<{ sessionId: string }> {
    this.assertOpen();
    const to = this.ownSink((event) => event.type === 'terminal-exit' && this.forget(this.terminals, event.sessionId));
    const opened =
      kind === 'agent'
        ? await this.parts.terminals.open(identity, cols, rows, to)
        : await this.parts.terminals.openShell(identity, cols, rows, to);
    this.hold(this.terminals, opened.sessionId, () => this.parts.terminals.close(opened.sessionId));
    return opened;
  }

  /** The sign-in flow on a terminal of this client (the header's Sign in); closing the terminal cancels it. */
  async openSignIn(cols: number, rows: number): Promise<{ sessionId: string }> {
    this.assertOpen();
    const to = this.ownSink((event) => event.type === 'terminal-exit' && this.forget(this.terminals, event.sessionId));
    const opened = await this.parts.terminals.openFlow(this.parts.signIn, cols, rows, to);
    this.hold(this.terminals, opened.sessionId, () => this.parts.terminals.close(opened.sessionId));
    return opened;
  }

  async terminalInput(sessionId: string, data: string): Promise<void> {
    await this.parts.terminals.input(this.mine(this.terminals, sessionId, 'terminal session'), data);
  }

  async terminalResize(sessionId: string, cols: number, rows: number): Promise<void> {
    await this.parts.terminals.resize(this.mine(this.terminals, sessionId, 'terminal session'), cols, rows);
  }

  async closeTerminal(sessionId: string): Promise<void> {
    await this.release(this.terminals, sessionId);
  }

  async openLogs(request: LogsOpenRequest): Promise<{ streamId: string }> {
    this.assertOpen();
    const to = this.ownSink((event) => event.type === 'log-end' && this.forget(this.logs, event.streamId));
    const opened = await this.parts.logs.open(request, to);
    this.hold(this.logs, opened.streamId, () => this.parts.logs.close(opened.streamId));
    return opened;
  }

  async closeLogs(streamId: string): Promise<void> {
    await this.release(this.logs, streamId);
  }

  watchStats(request: StatsWatchRequest): { subscriptionId: string; history: StatsSample[] } {
    this.assertOpen();
    if (request.subscriptionId !== null) this.mine(this.stats, request.subscriptionId, 'stats watch');
    const answer = this.parts.stats.watch(request);
    const id = answer.subscriptionId;
    const lease = this.stats.get(id)?.lease ?? this.owned.add(toDisposable(() => (this.stats.delete(id), this.parts.stats.unwatch(id))));
    this.stats.set(id, { identities: new Set(request.identities), lease });
    return answer;
  }

  async unwatchStats(subscriptionId: string): Promise<void> {
    const watch = this.stats.get(subscriptionId);
    if (watch === undefined) return;
    this.owned.delete(watch.lease);
    await watch.lease.dispose();
  }

  /** This client's hold on a bottle's Changes: other clients' watches of it are untouched. */
  async watchChanges(identity: string, since: ChangeSince = 'start'): Promise<ChangeSet> {
    this.assertOpen();
    if (!this.changes.has(identity)) this.hold(this.changes, identity, () => this.parts.changes.unwatch(identity, this.id));
    return this.parts.changes.watch(identity, this.id, since);
  }

  async unwatchChanges(identity: string): Promise<void> {
    if (this.changes.has(identity)) await this.release(this.changes, identity);
    else await this.parts.changes.unwatch(identity, this.id);
  }

  /** The client went away (socket closed, page reloaded or gone): everything it opened is released. */
  async dispose(): Promise<void> {
    if (this.closed) return;
    this.onClosed(this);
    await this.owned.dispose();
    this.terminals.clear();
    this.logs.clear();
    this.stats.clear();
    this.changes.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new BottleError('conflict', 'this client session is closed');
  }

  /** A sink for one stream's events: to this client while it is open; `ended` sees each first. */
  private ownSink(ended: (event: AppEvent) => void): (event: AppEvent) => void {
    return (event) => {
      ended(event);
      if (!this.closed) this.send(event);
    };
  }

  private hold(map: Map<string, Disposable>, id: string, close: () => void | Promise<void>): void {
    const lease = toDisposable(() => {
      map.delete(id);
      return close();
    });
    map.set(id, lease);
    this.owned.add(lease);
  }

  /** The stream ended on its own: nothing left to close. */
  private forget(map: Map<string, Disposable>, id: string): void {
    const lease = map.get(id);
    if (lease === undefined) return;
    map.delete(id);
    this.owned.delete(lease);
  }

  private async release(map: Map<string, Disposable>, id: string): Promise<void> {
    const lease = map.get(id);
    if (lease === undefined) return;
    this.owned.delete(lease);
    await lease.dispose();
  }

  /** Only what this client opened: another tab's terminal is not found from here. */
  private mine<T>(map: Map<string, T>, id: string, what: string): string {
    if (!map.has(id)) throw new BottleError('not-found', `${what} ${id} is closed`);
    return id;
  }
}
