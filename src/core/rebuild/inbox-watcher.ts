import { lstatSync, watch, type FSWatcher } from 'node:fs';
import { isValidIdentity } from '../../shared/identity';
import { isMissing } from '../fs/if-exists';
import { listStateIdentities } from '../state/state-listing';
import { bottlePaths } from '../state/state-paths';
import { StateRootWatch } from '../state/state-root-watch';
import { processInbox } from './process-inbox';

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
  const rescanMs = options.rescanMs ?? 1000;
  const watchers = new Map<string, FSWatcher>();
  const lastMtime = new Map<string, number>();
  let closed = false;
  const root = options.stateRoot ?? new StateRootWatch();
  /** Inboxes whose lstat failed, reported once until they read again. */
  const unreadable = new Set<string>();

  const handle = (identity: string): void => {
    if (closed) return;
    processInbox(identity).then(
      (changed) => {
        if (changed && !closed) onChange(identity);
      },
      (error: unknown) => options.onError?.(identity, error),
    );
  };

  const watchInbox = (identity: string, inbox: string): void => {
    if (watchers.has(identity)) return;
    try {
      const watcher = watch(inbox, { persistent: false }, () => {
        options.onTouched?.(identity, 'event');
        handle(identity);
      });
      watcher.on('error', () => {
        // The inbox went away (bottle removed): forget it; the rescan re-adds it if it returns.
        watcher.close();
        watchers.delete(identity);
        lastMtime.delete(identity);
      });
      watchers.set(identity, watcher);
    } catch {
      // Not watchable right now; the rescan keeps trying.
    }
  };

  const rescan = async (): Promise<void> => {
    let names: string[];
    try {
      names = await listStateIdentities();
    } catch {
      // A state folder the host cannot list (none yet lists as empty): the bottle listing reads
      // the same folder and reports that failure to the operator; repeating it every second adds
      // nothing. The next pass tries again.
      return;
    }
    // Bottles removed since the last pass: stop watching their (deleted) inboxes.
    const current = new Set(names);
    for (const identity of unreadable) if (!current.has(identity)) unreadable.delete(identity);
    for (const [identity, watcher] of watchers) {
      if (current.has(identity)) continue;
      watcher.close();
      watchers.delete(identity);
      lastMtime.delete(identity);
    }
    let checked = 0;
    for (const identity of names) {
      if (closed) return;
      if (!isValidIdentity(identity)) continue;
      // Synchronous, and no exception for a missing inbox: this runs every second over every
      // bottle, and a promise (or a thrown error) per bottle cost more than the stat itself.
      checked += 1;
      if (checked % RESCAN_YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      const inbox = bottlePaths(identity).inbox;
      let mtime: number;
      try {
        const info = lstatSync(inbox, { throwIfNoEntry: false });
        if (info === undefined || !info.isDirectory()) continue;
        mtime = info.mtimeMs;
      } catch (error: unknown) {
        // Unreadable (permissions, a folder in the way): said once until it reads again, since
        // this runs every second; the next pass tries again.
        if (!unreadable.has(identity) && !isMissing(error)) options.onError?.(identity, error);
        unreadable.add(identity);
        continue;
      }
      unreadable.delete(identity);
      watchInbox(identity, inbox);
      options.onTouched?.(identity, 'rescan');
      if (lastMtime.get(identity) !== mtime) {
        lastMtime.set(identity, mtime);
        handle(identity);
      }
    }
  };

  let running = false;
  const tick = (): void => {
    if (running || closed) return;
    running = true;
    void rescan().finally(() => {
      running = false;
    });
  };
  tick();
  const timer = setInterval(tick, rescanMs);
  timer.unref();
  // A bottle folder added or removed is rescanned at once; when the root cannot be watched (an
  // inotify limit, the folder replaced), the periodic rescan does the work.
  const rootEvents = root.subscribe(() => tick());

  return {
    close(): void {
      closed = true;
      clearInterval(timer);
      void rootEvents.dispose();
      if (root !== options.stateRoot) root.dispose();
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
