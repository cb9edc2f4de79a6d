import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { CREDENTIAL_SET_PATTERN } from '../agents/agent-options';
import { orIfMissing } from '../fs/if-exists';
import { credentialsRoot } from '../state/state-paths';
import { setFingerprint } from './credential-store';

/*
 * The live core's watch of the credential store (issue 20). Every write into the store (`credentials
 * set`, a sign-in, the home refresh, a migration at a resume, another process's forget) changes a
 * set's fingerprint; the core then tells the front ends and pushes the credentials table to every
 * gateway, so running bottles are signed with the new value without a restart. Nothing here reads
 * a bottle: the store is written only from this host.
 *
 * A filesystem watch of the store's root says "look now"; a slow rescan stands in for what a watch
 * cannot see (a set's inner folders, a watch the host refuses), so a change is never missed for long.
 */

const RESCAN_MS = 2000;
/** Many events of one write (temp file, rename, chmod) are read as one change. */
const SETTLE_MS = 100;

export interface CredentialStoreWatchHooks {
  /** A set's stored values changed (written, removed, signed out). */
  changed(set: string): void;
  failure(what: string, error: unknown): void;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class CredentialStoreWatch {
  private readonly fingerprints = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private settle: NodeJS.Timeout | null = null;
  private watcher: FSWatcher | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly hooks: CredentialStoreWatchHooks) {}

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.soon(0), RESCAN_MS);
    // The watch alone must not keep a process (serve, a test) alive.
    this.timer.unref();
    this.watchRoot();
    this.soon(0);
  }

  /** One look now (also what the timer runs); a look already running is joined, not doubled. */
  check(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    if (this.settle !== null) clearTimeout(this.settle);
    this.timer = null;
    this.settle = null;
    this.watcher?.close();
    this.watcher = null;
  }

  private soon(delayMs: number = SETTLE_MS): void {
    if (this.settle !== null) return;
    this.settle = setTimeout(() => {
      this.settle = null;
      this.check().catch((error: unknown) => this.hooks.failure('Could not check the credential store', error));
    }, delayMs);
    this.settle.unref();
  }

  /** Recursive where the platform has it (every write in a set is an event); the rescan covers the rest. */
  private watchRoot(): void {
    try {
      this.watcher = watch(credentialsRoot(), { recursive: true, persistent: false }, () => this.soon());
      this.watcher.on('error', (error: unknown) => {
        // A removed store, a watch limit: the rescan carries on alone.
        this.watcher?.close();
        this.watcher = null;
        this.hooks.failure('Could not watch the credential store (checked every 2 s instead)', error);
      });
    } catch (error: unknown) {
      // No store yet (made by the first `credentials set`): the rescan sees it, and watches it then.
      this.watcher = null;
      if (
        (error as NodeJS.ErrnoException).code !== 'ENOENT' &&
        (error as NodeJS.ErrnoException).code !== 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM'
      )
        this.hooks.failure('Could not watch the credential store (checked every 2 s instead)', error);
    }
  }

  private async pass(): Promise<void> {
    if (this.watcher === null && this.timer !== null) this.watchRoot();
    const sets = (await orIfMissing(readdir(credentialsRoot()), [] as string[])).filter((name) => CREDENTIAL_SET_PATTERN.test(name));
    for (const set of new Set([...sets, ...this.fingerprints.keys()])) {
      const fingerprint = digest(await setFingerprint(set));
      const previous = this.fingerprints.get(set);
      this.fingerprints.set(set, fingerprint);
      // The first look counts every set as changed: a write between the core's start and that
      // look is then never taken for the baseline (it costs one push and one status at start).
      if (previous !== fingerprint) this.hooks.changed(set);
    }
  }
}
