import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { isValidIdentity } from '../../shared/identity';
import { toDisposable, type Disposable } from '../base/disposable';
import { claudeBottleRoot, stateRoot } from './state-paths';

/** Told the name of the entry of the watched folder that changed; null when fs.watch gives none. */
export type StateRootListener = (name: string | null) => void;

const RETRY_MS = 1000;
const SETTLE_AFTER_CREATE_MS = 1000;

/**
 * The one fs.watch of `<root>/state` (or of another folder of ours: the root itself, for
 * settings.json), shared by everyone who watches it (the bottle list's
 * folder events, the inbox watcher): opened with the first subscriber, closed with the last, and
 * owned by whoever made it (the live core), whose close releases it. The root is created first
 * (0700) so a fresh install is watched from the start; a watch that cannot be made or that fails
 * (an inotify limit, the folder replaced) is tried again a second later, and said once per outage.
 */
export class StateRootWatch implements Disposable {
  private readonly listeners = new Set<StateRootListener>();
  private watcher: FSWatcher | null = null;
  private retry: NodeJS.Timeout | undefined;
  private opening = false;
  private failing = false;
  private disposed = false;

  constructor(
    private readonly onError: (error: unknown) => void = () => undefined,
    /** The folder watched, read at each (re)open: CLAUDE_BOTTLE_HOME may differ per test. */
    private readonly folder: () => string = stateRoot,
  ) {}

  /** Listens until the returned disposable is released. */
  subscribe(listener: StateRootListener): Disposable {
    if (this.disposed) return toDisposable(() => undefined);
    this.listeners.add(listener);
    this.open();
    return toDisposable(() => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    });
  }

  /** Whether an fs.watch is open now (for tests and diagnostics). */
  get watching(): boolean {
    return this.watcher !== null;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
    this.close();
  }

  private wanted(): boolean {
    return !this.disposed && this.listeners.size > 0;
  }

  private open(): void {
    if (this.watcher !== null || this.opening || this.retry !== undefined || !this.wanted()) return;
    this.opening = true;
    void this.openWatch().finally(() => {
      this.opening = false;
    });
  }

  private async openWatch(): Promise<void> {
    try {
      const root = this.folder();
      await mkdir(root, { recursive: true, mode: 0o700 });
      // Everyone may have left while mkdir was pending: a watch made now would outlive them.
      if (!this.wanted()) return;
      const watcher = watch(root, { persistent: false }, (_event, name) => {
        const entry = typeof name === 'string' ? name : null;
        for (const listener of [...this.listeners]) listener(entry);
      });
      watcher.on('error', (error: unknown) => {
        watcher.close();
        if (this.watcher === watcher) this.watcher = null;
        this.failed(error);
      });
      this.watcher = watcher;
      this.failing = false;
    } catch (error: unknown) {
      this.failed(error);
    }
  }

  /** Said once until a watch opens again; tried again a second later while anyone listens. */
  private failed(error: unknown): void {
    if (!this.failing && this.wanted()) this.onError(error);
    this.failing = true;
    if (!this.wanted() || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.open();
    }, RETRY_MS);
    this.retry.unref();
  }

  private close(): void {
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
    this.watcher?.close();
    this.watcher = null;
  }
}

/**
 * A bottle's folder appearing or going away, as "bottle changed". The watch sees a folder appear,
 * not what is written into it next (its metadata.json): the bottle is looked at again once the
 * writer is likely done.
 */
export function watchBottleFolders(root: StateRootWatch, onBottleChanged: (identity: string) => void): Disposable {
  const settling = new Set<NodeJS.Timeout>();
  const subscription = root.subscribe((name) => {
    if (name === null || !isValidIdentity(name)) return;
    onBottleChanged(name);
    const timer = setTimeout(() => {
      settling.delete(timer);
      onBottleChanged(name);
    }, SETTLE_AFTER_CREATE_MS);
    timer.unref();
    settling.add(timer);
  });
  return toDisposable(() => {
    void subscription.dispose();
    for (const timer of settling) clearTimeout(timer);
    settling.clear();
  });
}

const SETTINGS_FILE = 'settings.json';

/**
 * `<root>/settings.json` written (by hand, by another core, by the CLI): told after each change.
 * The root folder is watched, not the file: an editor or an atomic write replaces the file, which
 * a watch of the file itself would lose with the old inode.
 */
export function watchSettingsFile(onChanged: () => void, onError: (error: unknown) => void): Disposable {
  const rootWatch = new StateRootWatch(onError, claudeBottleRoot);
  const subscription = rootWatch.subscribe((name) => {
    // No name (some platforms): it may have been the settings, so they are read again.
    if (name === null || name === SETTINGS_FILE) onChanged();
  });
  return toDisposable(() => {
    void subscription.dispose();
    rootWatch.dispose();
  });
}
