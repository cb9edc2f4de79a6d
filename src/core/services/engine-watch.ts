import type { EngineStatus } from '../../shared/bottle-view';
import { watchBottles, type BottleChangeHandlers, type BottleWatcher } from '../bottles/bottle-events';
import { engineInfo } from '../engine/docker-client';
import { onEngine, type CoreDeps } from '../deps/core-deps';
import { errorMessage } from '../base/bottle-error';

/**
 * One event stream per engine that has bottles (and the current one), each reconnecting on its
 * own: an engine that goes away marks only its bottles offline and never holds up the others.
 */
export class EngineWatchers {
  private readonly watchers = new Map<string, BottleWatcher>();
  private closed = false;

  constructor(
    private readonly ctx: CoreDeps,
    private readonly handlers: BottleChangeHandlers,
  ) {}

  /** Starts watching an engine if nothing does yet; an unknown context is left alone (its bottles show offline). */
  watch(name: string): void {
    if (this.closed || this.watchers.has(name)) return;
    let engine;
    try {
      engine = this.ctx.engines.get(name);
    } catch (error: unknown) {
      // Every failure of the lookup is meant: the context left the Docker CLI's store, or its
      // endpoint cannot be used; nothing reaches it to watch, and the listing shows its bottles offline.
      return;
    }
    this.watchers.set(name, watchBottles(onEngine(this.ctx, engine), this.handlers));
  }

  /** The dependencies on each watched engine (the current one, and every engine that has bottles). */
  engineDeps(): CoreDeps[] {
    return [...this.watchers.keys()].flatMap((name) => {
      try {
        return [onEngine(this.ctx, this.ctx.engines.get(name))];
      } catch (error: unknown) {
        // Every failure of the lookup is meant, as in watch(): left the Docker CLI's store since it
        // was watched, or no usable endpoint: nothing to reach it by.
        return [];
      }
    });
  }

  status(name: string): EngineStatus | null {
    return this.watchers.get(name)?.engineStatus() ?? null;
  }

  /** Whether every watched engine answers now: only then do kept views tell the truth about containers. */
  allConnected(): boolean {
    return this.watchers.size > 0 && [...this.watchers.values()].every((watcher) => watcher.engineStatus().state === 'connected');
  }

  close(): void {
    this.closed = true;
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}

/** An engine's status asked on the spot (the CLI, or an engine nothing watches). */
export async function probeEngine(ctx: CoreDeps, name: string): Promise<EngineStatus> {
  let engine;
  try {
    engine = ctx.engines.get(name);
  } catch (error: unknown) {
    return { name, state: 'unavailable', version: null, endpoint: '', endpointSource: 'context', message: errorMessage(error) };
  }
  const { endpoint } = engine.connection;
  try {
    const info = await engineInfo(engine.connection, 5000);
    return { name, state: 'connected', version: info.version, endpoint: endpoint.host, endpointSource: endpoint.source, message: null };
  } catch (error: unknown) {
    return {
      name,
      state: 'unavailable',
      version: null,
      endpoint: endpoint.host,
      endpointSource: endpoint.source,
      message: errorMessage(error),
    };
  }
}
