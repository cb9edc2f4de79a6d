import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { EngineStatus } from '../../shared/bottle-view';
import { isValidIdentity } from '../../shared/identity';
import type { CoreDeps } from '../deps/core-deps';
import { errorMessage } from '../base/bottle-error';
import { isOwnContainer, LABEL_IDENTITY, LABEL_MANAGED } from '../engine/bottle-containers';
import { engineInfo } from '../engine/docker-client';
import { stateRoot } from '../state/state-paths';

export interface BottleChangeHandlers {
  /** One bottle may have changed: recompute its view. */
  onBottleChanged(identity: string): void;
  /** Events may have been missed (engine came back, watcher restarted): recompute every view. */
  onResync(): void;
  onEngineStatus(status: EngineStatus): void;
  /** Another instance's bottle came or went on this engine: what the list leaves out changed. */
  onOtherInstance?(): void;
}

export interface BottleWatcher {
  engineStatus(): EngineStatus;
  close(): void;
}

export interface WatchOptions {
  /** Also watch the state folder (one watcher per process does; the others watch their engine only). */
  stateFolder?: boolean;
}

const BACKOFF_MS = [250, 500, 1000, 2000, 4000];
const SETTLE_AFTER_CREATE_MS = 1000;
/**
 * A remote engine can vanish without closing anything (a host or network gone): a ping this often,
 * answered within the same time, tells it is still there; together they bound how long its bottles
 * go on showing a state that is no longer true.
 */
const HEARTBEAT_MS = 2000;

/**
 * One Docker event subscription filtered by our label (and kept to this instance's containers) plus
 * a watch on the state folder, merged into "bottle changed" notifications. When the engine goes away (error, end or close of the event
 * stream) it reports the engine unavailable and reconnects with backoff, without a restart.
 */
export function watchBottles(ctx: CoreDeps, handlers: BottleChangeHandlers, options: WatchOptions = { stateFolder: true }): BottleWatcher {
  const endpoint = ctx.connection.endpoint;
  const name = ctx.engine.name;
  let status: EngineStatus = { name, state: 'unavailable', version: null, endpoint: endpoint.host, endpointSource: endpoint.source, message: 'connecting…' };
  let closed = false;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let events: Readable | null = null;
  let stateWatcher: FSWatcher | null = null;

  const setStatus = (next: EngineStatus): void => {
    const changed = next.state !== status.state || next.version !== status.version || next.message !== status.message;
    status = next;
    if (changed) handlers.onEngineStatus(next);
  };

  const scheduleReconnect = (reason: string): void => {
    if (closed || retryTimer !== undefined) return;
    clearInterval(heartbeat);
    events?.destroy();
    events = null;
    setStatus({ ...status, state: 'unavailable', version: null, message: reason });
    const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] as number;
    attempt += 1;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
  };

  const connect = async (): Promise<void> => {
    if (closed) return;
    try {
      const info = await engineInfo(ctx.connection);
      const stream = await ctx.docker.events({ type: ['container'], label: [`${LABEL_MANAGED}=true`] });
      if (closed) {
        stream.destroy();
        return;
      }
      events = stream;
      attempt = 0;
      let buffered = '';
      stream.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
          if (line === '') continue;
          try {
            const event = JSON.parse(line) as { Action?: string; Actor?: { Attributes?: Record<string, string> } };
            // An event carries the container's labels: another instance's bottles are not ours to show.
            const labels = event.Actor?.Attributes;
            const identity = labels?.[LABEL_IDENTITY];
            if (identity === undefined || !isValidIdentity(identity)) continue;
            if (isOwnContainer(labels)) handlers.onBottleChanged(identity);
            else if (event.Action === 'create' || event.Action === 'destroy') handlers.onOtherInstance?.();
          } catch {
            // A torn line from a dying connection; the resync after reconnect covers it.
          }
        }
      });
      const lost = (why: string) => (): void => scheduleReconnect(`Docker engine connection lost (${why})`);
      stream.on('error', (error: unknown) => scheduleReconnect(`Docker engine connection lost: ${errorMessage(error)}`));
      stream.on('end', lost('end'));
      stream.on('close', lost('close'));
      setStatus({ name, state: 'connected', version: info.version, endpoint: endpoint.host, endpointSource: endpoint.source, message: null });
      if (!ctx.engine.local) {
        heartbeat = setInterval(() => {
          engineInfo(ctx.connection, HEARTBEAT_MS).catch((error: unknown) => scheduleReconnect(errorMessage(error)));
        }, HEARTBEAT_MS);
        heartbeat.unref();
      }
      handlers.onResync();
    } catch (error: unknown) {
      scheduleReconnect(errorMessage(error));
    }
  };

  const watchState = async (): Promise<void> => {
    try {
      await mkdir(stateRoot(), { recursive: true, mode: 0o700 });
      // close() may have run while mkdir was pending: a watch made now would keep the process alive.
      if (closed) return;
      stateWatcher = watch(stateRoot(), { persistent: false }, (_event, name) => {
        const identity = typeof name === 'string' ? name : null;
        if (identity === null || !isValidIdentity(identity)) return;
        handlers.onBottleChanged(identity);
        // This watch sees a folder appear, not what is written into it next (its metadata.json):
        // look again once the writer is likely done.
        setTimeout(() => {
          if (!closed) handlers.onBottleChanged(identity);
        }, SETTLE_AFTER_CREATE_MS).unref();
      });
      stateWatcher.on('error', () => {
        stateWatcher?.close();
        stateWatcher = null;
        if (!closed) setTimeout(() => void (closed ? undefined : watchState()), 1000).unref();
      });
    } catch {
      // No state folder yet (or not watchable now): tried again in a second, as after a watch error.
      if (!closed) setTimeout(() => void (closed ? undefined : watchState()), 1000).unref();
    }
  };

  void connect();
  if (options.stateFolder !== false) void watchState();

  return {
    engineStatus: () => status,
    close() {
      closed = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      clearInterval(heartbeat);
      events?.destroy();
      stateWatcher?.close();
    },
  };
}
