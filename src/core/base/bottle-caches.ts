/**
 * What a core remembers about its bottles between calls (sizes, journal counts, exits read once):
 * each kind is one small class in the layer of the code that uses it, held here rather than at
 * module level, so a removed bottle's entries are forgotten and a closed core holds none.
 */
export interface BottleCache {
  /** Entries held now, over every bottle. */
  size(): number;
  /** Whether anything of the bottle is held. */
  has(identity: string): boolean;
  forget(identity: string): void;
  clear(): void;
}

/** The common kind: one entry per bottle in a map (a kind with more per bottle overrides `size`). */
export class MapBottleCache<V> implements BottleCache {
  protected readonly entries = new Map<string, V>();

  size(): number {
    return this.entries.size;
  }

  has(identity: string): boolean {
    return this.entries.has(identity);
  }

  forget(identity: string): void {
    this.entries.delete(identity);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * The caches of one core, reached through its dependencies (`CoreDeps.caches`). Each kind is
 * created on first use, so the layers below the dependency bag need not be known to it.
 */
export class BottleCaches {
  private readonly caches = new Map<new () => BottleCache, BottleCache>();

  /** This core's cache of the given kind. */
  of<T extends BottleCache>(kind: new () => T): T {
    let cache = this.caches.get(kind);
    if (cache === undefined) {
      cache = new kind();
      this.caches.set(kind, cache);
    }
    return cache as T;
  }

  /** A removed bottle: nothing of it stays. */
  forget(identity: string): void {
    for (const cache of this.caches.values()) cache.forget(identity);
  }

  /** The core closed: every entry goes. */
  clear(): void {
    for (const cache of this.caches.values()) cache.clear();
  }

  /** The kinds (by class name) holding anything of the bottle. */
  holding(identity: string): string[] {
    return [...this.caches].filter(([, cache]) => cache.has(identity)).map(([kind]) => kind.name);
  }

  /** Entries held per kind (by class name), for tests and diagnostics. */
  sizes(): Record<string, number> {
    const sizes: Record<string, number> = {};
    for (const [kind, cache] of this.caches) sizes[kind.name] = cache.size();
    return sizes;
  }
}
