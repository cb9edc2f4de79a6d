import type { Readable } from 'node:stream';
import type { EngineStatus } from '../../shared/bottle-view';
import { isValidIdentity } from '../../shared/identity';
import { lineSplitter } from '../../shared/line-splitter';
import type { CoreDeps } from '../deps/core-deps';
import { errorMessage } from '../base/bottle-error';
import { parseJson } from '../base/parse-json';
import { isOwnContainer, LABEL_IDENTITY, LABEL_MANAGED } from '../engine/bottle-containers';
import { engineInfo } from '../engine/docker-client';
import type { ContainerEvent } from './container-event';

export interface BottleChangeHandlers {
  /** One bottle may have changed: recompute its view (the event says how its container changed). */
  onBottleChanged(identity: string, event?: ContainerEvent): void;
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
/** Far above any event of a container (its labels included). */
const MAX_EVENT_LINE_BYTES = 1024 * 1024;

/** One line of the engine's event stream: a change to one of our bottles, or another instance's bottle coming or going. */
function routeEvent(line: string, handlers: BottleChangeHandlers): void {
  // A torn line from a dying connection is no JSON (undefined): the resync after reconnect covers it.
  const event = parseJson(line) as { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } } | null | undefined;
  // An event carries the container's labels: another instance's bottles are not ours to show.
  const labels = event?.Actor?.Attributes;
  const identity = labels?.[LABEL_IDENTITY];
  if (identity === undefined || !isValidIdentity(identity)) return;
  if (isOwnContainer(labels)) {
    const id = event?.Actor?.ID;
    const action = event?.Action;
    // What the event says of the container spares the view a read from the engine (container-event.ts).
    handlers.onBottleChanged(identity, id === undefined || action === undefined ? undefined : { id, action, attributes: labels ?? {} });
  } else if (event?.Action === 'create' || event?.Action === 'destroy') handlers.onOtherInstance?.();
}

/**
 * One engine's event subscription, filtered by our label. When the engine goes away (error, end or
 * close of the event stream, or a missed heartbeat) it reports the engine unavailable and reconnects
 * with backoff, without a restart.
 */
class EngineEventWatch {
  private status: EngineStatus;
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private events: Readable | null = null;

  constructor(
    private readonly deps: CoreDeps,
    private readonly handlers: BottleChangeHandlers,
  ) {
    this.status = this.statusOf('unavailable', null, 'connecting…');
  }

  start(): void {
    void this.connect();
  }

  engineStatus(): EngineStatus {
    return this.status;
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    clearInterval(this.heartbeat);
    this.events?.destroy();
  }

  private statusOf(state: EngineStatus['state'], version: string | null, message: string | null): EngineStatus {
    const endpoint = this.deps.connection.endpoint;
    return { name: this.deps.engine.name, state, version, endpoint: endpoint.host, endpointSource: endpoint.source, message };
  }

  private setStatus(next: EngineStatus): void {
    const changed = next.state !== this.status.state || next.version !== this.status.version || next.message !== this.status.message;
    this.status = next;
    if (changed) this.handlers.onEngineStatus(next);
  }

  private scheduleReconnect(reason: string): void {
    if (this.closed || this.retryTimer !== undefined) return;
    clearInterval(this.heartbeat);
    this.events?.destroy();
    this.events = null;
    this.setStatus({ ...this.status, state: 'unavailable', version: null, message: reason });
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] as number;
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    try {
      const info = await engineInfo(this.deps.connection);
      const stream = await this.deps.docker.events({ type: ['container'], label: [`${LABEL_MANAGED}=true`] });
      if (this.closed) {
        stream.destroy();
        return;
      }
      this.listen(stream);
      this.setStatus(this.statusOf('connected', info.version, null));
      if (!this.deps.engine.local) this.startHeartbeat();
      this.handlers.onResync();
    } catch (error: unknown) {
      this.scheduleReconnect(errorMessage(error));
    }
  }

  private listen(stream: Readable): void {
    this.events = stream;
    this.attempt = 0;
    stream.on(
      'data',
      lineSplitter({
        maxLineBytes: MAX_EVENT_LINE_BYTES,
        onLine: (line) => routeEvent(line, this.handlers),
        // No event of a container is near this long: a line past it is no event of ours, and the
        // resync after any reconnect reads the engine's state whole anyway.
        onTooLong: () => this.handlers.onResync(),
      }),
    );
    const lost = (why: string) => (): void => this.scheduleReconnect(`Docker engine connection lost (${why})`);
    stream.on('error', (error: unknown) => this.scheduleReconnect(`Docker engine connection lost: ${errorMessage(error)}`));
    stream.on('end', lost('end'));
    stream.on('close', lost('close'));
  }

  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => {
      engineInfo(this.deps.connection, HEARTBEAT_MS).catch((error: unknown) => this.scheduleReconnect(errorMessage(error)));
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }
}

/**
 * One Docker event subscription filtered by our label (and kept to this instance's containers), as
 * "bottle changed" notifications (the state folder's own changes come from state-root-watch.ts).
 * When the engine goes away (error, end or close of the event stream) it reports the engine
 * unavailable and reconnects with backoff, without a restart.
 */
export function watchBottles(deps: CoreDeps, handlers: BottleChangeHandlers): BottleWatcher {
  const engine = new EngineEventWatch(deps, handlers);
  engine.start();
  return {
    engineStatus: () => engine.engineStatus(),
    close() {
      engine.close();
    },
  };
}
