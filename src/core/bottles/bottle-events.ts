import type { EngineStatus } from '../../shared/bottle-view';
import { isValidIdentity } from '../../shared/identity';
import type { CoreDeps } from '../deps/core-deps';
import { errorMessage } from '../base/bottle-error';
import { isOwnContainer, LABEL_IDENTITY, LABEL_MANAGED } from '../engine/bottle-containers';
import { engineInfo } from '../engine/docker-client';

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

const BACKOFF_MS = [250, 500, 1000, 2000, 4000];
/**
 * A remote engine can vanish without closing anything (a host or network gone): a ping this often,
 * answered within the same time, tells it is still there; together they bound how long its bottles
 * go on showing a state that is no longer true.
 */
const HEARTBEAT_MS = 2000;

/**
 * One Docker event subscription filtered by our label (and kept to this instance's containers), as
 * "bottle changed" notifications (the state folder's own changes come from state-root-watch.ts).
 * When the engine goes away (error, end or close of the event stream) it reports the engine
 * unavailable and reconnects with backoff, without a restart.
 */
export function watchBottles(ctx: CoreDeps, handlers: BottleChangeHandlers): BottleWatcher {
  const endpoint = ctx.connection.endpoint;
  const name = ctx.engine.name;
  let status: EngineStatus = { name, state: 'unavailable', version: null, endpoint: endpoint.host, endpointSource: endpoint.source, message: 'connecting…' };
  let closed = false;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let events: NodeJS.ReadableStream | null = null;

  const setStatus = (next: EngineStatus): void => {
    const changed = next.state !== status.state || next.version !== status.version || next.message !== status.message;
    status = next;
    if (changed) handlers.onEngineStatus(next);
  };

  const scheduleReconnect = (reason: string): void => {
    if (closed || retryTimer !== undefined) return;
    clearInterval(heartbeat);
    (events as unknown as { destroy?: () => void } | null)?.destroy?.();
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
      const stream = (await ctx.docker.getEvents({
        filters: { type: ['container'], label: [`${LABEL_MANAGED}=true`] },
      })) as NodeJS.ReadableStream;
      if (closed) {
        (stream as unknown as { destroy?: () => void }).destroy?.();
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

  void connect();

  return {
    engineStatus: () => status,
    close() {
      closed = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      clearInterval(heartbeat);
      (events as unknown as { destroy?: () => void } | null)?.destroy?.();
    },
  };
}
