/**
 * Anything with a lifetime (a timer, a stream, a watcher, an engine connection, a subscription):
 * whoever opens it registers it with its owner, and the owner's close releases it. Modelled on VS
 * Code's IDisposable / DisposableStore.
 */
export interface Disposable {
  dispose(): void | Promise<void>;
}

export function toDisposable(release: () => void | Promise<void>): Disposable {
  let released = false;
  return {
    dispose: () => {
      if (released) return;
      released = true;
      return release();
    },
  };
}

/**
 * What one owner (the core, a client session, a CLI command) holds. `dispose` releases everything,
 * newest first (what was opened last may depend on what was opened before it), waits for each, and
 * reports failures together after all were tried. Anything added after disposal is released at once:
 * a late answer never outlives its owner.
 */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** How many things the owner holds now (for tests and diagnostics). */
  get size(): number {
    return this.items.size;
  }

  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      void Promise.resolve()
        .then(() => item.dispose())
        .catch((error: unknown) => console.error('claude-bottle: releasing something opened after its owner closed failed:', error));
      return item;
    }
    this.items.add(item);
    return item;
  }

  /** Forgets an item released on its own (a stream that ended), without releasing it again. */
  delete(item: Disposable): void {
    this.items.delete(item);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const items = [...this.items].reverse();
    this.items.clear();
    const errors: unknown[] = [];
    for (const item of items) {
      try {
        await item.dispose();
      } catch (error: unknown) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} things failed to close`);
  }
}
