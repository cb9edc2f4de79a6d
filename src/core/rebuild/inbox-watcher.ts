import { lstatSync, watch, type FSWatcher } from 'node:fs';
import { isValidIdentity } from '../../shared/identity';
import type { Disposable } from '../base/disposable';
import { isMissing } from '../fs/if-exists';
import { listStateIdentities } from '../state/state-listing';
import { bottlePaths } from '../state/state-paths';
import { StateRootWatch } from '../state/state-root-watch';
import { processInbox } from './process-inbox';
import { ingestAgentStatus } from './status-throttle';

/** Yield to the event loop this often while rescanning thousands of bottles. */
const RESCAN_YIELD_EVERY = 256;

export interface InboxWatcher {
  close(): void;
}

export interface InboxWatcherOptions {
  /** Safety-net rescan period: fs.watch misses events on some mounts (VM file sharing, NFS). */
  rescanMs?: number;
  onError?: (identity: string, error: unknown) => void;
  /**
   * Every file event in a bottle's inbox ('event'), and every rescan pass over it ('rescan'),
   * whether or not it changed any request: the disk budget's measurements are timed by these.
   */
  onTouched?: (identity: string, how: 'event' | 'rescan') => void;
  /** The state root's one watch, shared with the bottle events; without it the watcher opens its own. */
  stateRoot?: StateRootWatch;
}

/**
 * Watches every bottle's inbox under `<root>/state/*\/inbox` and runs processInbox when something
 * arrives; `onChange(identity)` fires when that changed what the bottle shows. fs.watch gives
 * sub-second pickup; a periodic rescan (one stat per inbox, processing only when the folder's
 * mtime moved) catches whatever the watch missed, including bottles created after we started.
 */
export function createInboxWatcher(onChange: (identity: string) => void, options: InboxWatcherOptions = {}): InboxWatcher {
  return new InboxWatch(onChange, options);
}

class InboxWatch implements InboxWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly lastMtime = new Map<string, number>();
  /** Inboxes whose lstat failed, reported once until they read again. */
  private readonly unreadable = new Set<string>();
  private closed = false;
  private readonly root: StateRootWatch;
  private readonly rootEvents: Disposable;
  private running = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly onChange: (identity: string) => void,
    private readonly options: InboxWatcherOptions,
  ) {
    this.root = options.stateRoot ?? new StateRootWatch();
    this.tick();
    this.timer = setInterval(() => this.tick(), options.rescanMs ?? 1000);
    this.timer.unref();
    // A bottle folder added or removed is rescanned at once; when the root cannot be watched (an
    // inotify limit, the folder replaced), the periodic rescan does the work.
    this.rootEvents = this.root.subscribe(() => this.tick());
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    void this.rootEvents.dispose();
    if (this.root !== this.options.stateRoot) this.root.dispose();
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  /**
   * Every event in the inbox, whichever file it was about (the agent's hidden status file too):
   * its requests settled, and its status report taken in (at most MAX_REPORTS_PER_SECOND a second).
   */
  private handle(identity: string): void {
    if (this.closed) return;
    this.report(identity, processInbox(identity));
    this.report(identity, ingestAgentStatus(identity));
  }

  private report(identity: string, work: Promise<boolean>): void {
    work.then(
      (changed) => {
        if (changed && !this.closed) this.onChange(identity);
      },
      (error: unknown) => this.options.onError?.(identity, error),
    );
  }

  private watchInbox(identity: string, inbox: string): void {
    if (this.watchers.has(identity)) return;
    try {
      const watcher = watch(inbox, { persistent: false }, () => {
        this.options.onTouched?.(identity, 'event');
        this.handle(identity);
      });
      watcher.on('error', () => {
        // The inbox went away (bottle removed): forget it; the rescan re-adds it if it returns.
        this.forget(identity, watcher);
      });
      this.watchers.set(identity, watcher);
    } catch (error: unknown) {
      // Every failure to watch is meant (the inbox gone meanwhile, an inotify limit): the periodic
      // rescan reads the inbox anyway, and reports what it cannot read.
    }
  }

  private forget(identity: string, watcher: FSWatcher): void {
    watcher.close();
    this.watchers.delete(identity);
    this.lastMtime.delete(identity);
  }

  private tick(): void {
    if (this.running || this.closed) return;
    this.running = true;
    void this.rescan().finally(() => {
      this.running = false;
    });
  }

  private async rescan(): Promise<void> {
    let names: string[];
    try {
      names = await listStateIdentities();
    } catch (error: unknown) {
      // A state folder the host cannot list (none yet lists as empty): the bottle listing reads
      // the same folder and reports that failure to the operator; repeating it every second adds
      // nothing. The next pass tries again.
      return;
    }
    this.forgetRemoved(new Set(names));
    let checked = 0;
    for (const identity of names) {
      if (this.closed) return;
      if (!isValidIdentity(identity)) continue;
      // Synchronous, and no exception for a missing inbox: this runs every second over every
      // bottle, and a promise (or a thrown error) per bottle cost more than the stat itself.
      checked += 1;
      if (checked % RESCAN_YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      this.checkInbox(identity);
    }
  }

  /** Bottles removed since the last pass: stop watching their (deleted) inboxes. */
  private forgetRemoved(current: Set<string>): void {
    for (const identity of this.unreadable) if (!current.has(identity)) this.unreadable.delete(identity);
    for (const [identity, watcher] of this.watchers) {
      if (!current.has(identity)) this.forget(identity, watcher);
    }
  }

  /** One bottle in a pass: watch its inbox, and scan it when the folder's mtime moved. */
  private checkInbox(identity: string): void {
    const inbox = bottlePaths(identity).inbox;
    const mtime = this.inboxMtime(identity, inbox);
    if (mtime === null) return;
    this.watchInbox(identity, inbox);
    this.options.onTouched?.(identity, 'rescan');
    if (this.lastMtime.get(identity) !== mtime) {
      this.lastMtime.set(identity, mtime);
      this.handle(identity);
    }
  }

  /** The inbox folder's mtime; null when it is not a folder or cannot be read. */
  private inboxMtime(identity: string, inbox: string): number | null {
    try {
      const info = lstatSync(inbox, { throwIfNoEntry: false });
      if (info === undefined || !info.isDirectory()) return null;
      this.unreadable.delete(identity);
      return info.mtimeMs;
    } catch (error: unknown) {
      // Unreadable (permissions, a folder in the way): said once until it reads again, since
      // this runs every second; the next pass tries again.
      if (!this.unreadable.has(identity) && !isMissing(error)) this.options.onError?.(identity, error);
      this.unreadable.add(identity);
      return null;
    }
  }
}
