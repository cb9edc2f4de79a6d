import { randomBytes } from 'node:crypto';
import type { AppEvent } from '../../shared/app-events';
import { STATS_HISTORY_LENGTH, STATS_INTERVAL_MS, type StatsSample, type StatsWatchRequest } from '../../shared/bottle-stats';
import { isValidIdentity } from '../../shared/identity';
import type { EngineClient, EngineContainer } from '../engine/engine-client';
import { LABEL_IDENTITY, LABEL_MANAGED } from '../engine/bottle-containers';
import { cpuCounters, cpuPercent, memoryInUse, memoryLimit, type CpuCounters, type RawContainerStats } from '../engine/container-stats';
import { depsForBottle, type CoreDeps } from '../deps/core-deps';
import { BottleError } from '../base/bottle-error';
import { isEngineNotFound } from '../engine/if-engine-object-exists';

/**
 * CPU and memory of the running bottles some window shows, and nothing else: windows say which
 * bottles they show (`watch`), and one loop reads those of them that run (one listing per engine
 * tells which), every STATS_INTERVAL_MS, with a
 * one-shot stats call per bottle (one request each, no stream held open), pushing one `stats` event
 * per round. With no window watching, nothing is read at all. The last minutes of readings are
 * kept per running bottle so a window that starts watching draws its sparkline at once.
 */
export class StatsSampler {
  private readonly watches = new Map<string, Set<string>>();
  private readonly history = new Map<string, StatsSample[]>();
  private readonly counters = new Map<string, { containerId: string; counters: CpuCounters }>();
  private timer: NodeJS.Timeout | null = null;
  private sampling = false;
  private closed = false;

  constructor(
    private readonly ctx: CoreDeps,
    private readonly emit: (event: AppEvent) => void,
    private readonly onError: (error: unknown) => void = () => undefined,
    private readonly intervalMs: number = STATS_INTERVAL_MS,
  ) {}

  watch(request: StatsWatchRequest): { subscriptionId: string; history: StatsSample[] } {
    let subscriptionId = request.subscriptionId;
    if (subscriptionId === null) subscriptionId = `s-${randomBytes(8).toString('hex')}`;
    else if (!this.watches.has(subscriptionId)) throw new BottleError('not-found', `stats watch ${subscriptionId} is closed`);
    const before = this.watches.get(subscriptionId) ?? new Set<string>();
    this.watches.set(subscriptionId, new Set(request.identities));
    const cutoff = Date.now() - STATS_HISTORY_LENGTH * this.intervalMs;
    const history = request.identities.flatMap((identity) => (this.history.get(identity) ?? []).filter((sample) => sample.at >= cutoff));
    // A bottle no window showed before is read at once; scrolling among known ones waits for the round.
    this.schedule(request.identities.some((identity) => !before.has(identity) && !this.history.has(identity)));
    return { subscriptionId, history };
  }

  unwatch(subscriptionId: string): void {
    this.watches.delete(subscriptionId);
    if (this.watches.size === 0) this.stop();
  }

  /** How many watches are open (for tests and diagnostics). */
  get size(): number {
    return this.watches.size;
  }

  /** Bottles some window watches now. */
  watched(): Set<string> {
    const all = new Set<string>();
    for (const identities of this.watches.values()) for (const identity of identities) all.add(identity);
    return all;
  }

  close(): void {
    this.closed = true;
    this.watches.clear();
    this.stop();
  }

  private stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Keeps one round pending while anything is watched; `soon` reads newly watched bottles at once. */
  private schedule(soon = false): void {
    if (this.closed || this.sampling || this.watched().size === 0) return;
    if (this.timer !== null) {
      if (!soon) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.sampling = true;
        this.round()
          .catch((error: unknown) => this.onError(error))
          .finally(() => {
            this.sampling = false;
            this.schedule();
          });
      },
      soon ? 0 : this.intervalMs,
    );
    this.timer.unref();
  }

  private async round(): Promise<void> {
    const wanted = this.watched();
    if (wanted.size === 0) return;
    // One listing of running bottles per engine the watched bottles live on.
    const engines = new Map<EngineClient, string[]>();
    for (const identity of wanted) {
      const { docker } = depsForBottle(this.ctx, identity);
      engines.set(docker, [...(engines.get(docker) ?? []), identity]);
    }
    const running = new Set<string>();
    const containers = new Map<string, EngineContainer>();
    for (const [docker, identities] of engines) {
      const listed = await docker.listContainers({ filters: { label: [`${LABEL_MANAGED}=true`], status: ['running'] } });
      const watched = new Set(identities);
      for (const info of listed) {
        const identity = info.Labels[LABEL_IDENTITY];
        if (identity === undefined || !isValidIdentity(identity)) continue;
        running.add(identity);
        if (watched.has(identity)) containers.set(identity, docker.getContainer(info.Id));
      }
    }
    // A bottle that stopped loses its readings (a resumed one starts a fresh line); one scrolled
    // out of view keeps them, so its sparkline is there when it comes back.
    for (const identity of [...this.history.keys()]) if (!running.has(identity)) this.forget(identity);
    const samples = await Promise.all([...containers].map(([identity, container]) => this.read(identity, container)));
    const read = samples.filter((sample): sample is StatsSample => sample !== null);
    if (read.length > 0 && !this.closed) this.emit({ type: 'stats', samples: read });
  }

  private async read(identity: string, container: EngineContainer): Promise<StatsSample | null> {
    const containerId = container.id;
    let raw: RawContainerStats;
    try {
      raw = await container.stats();
    } catch (error: unknown) {
      // Removed between the listing and the read (404): the next round's listing drops it. Any
      // other failure goes to the log, and only this bottle misses the round.
      if (!isEngineNotFound(error)) this.onError(error);
      return null;
    }
    const counters = cpuCounters(raw);
    const before = this.counters.get(identity);
    const cpu =
      counters !== null && before !== undefined && before.containerId === containerId ? cpuPercent(before.counters, counters) : null;
    if (counters !== null) this.counters.set(identity, { containerId, counters });
    const sample: StatsSample = {
      identity,
      at: Date.now(),
      cpuPercent: cpu,
      memoryBytes: memoryInUse(raw),
      memoryLimitBytes: memoryLimit(raw),
    };
    const line = this.history.get(identity) ?? [];
    line.push(sample);
    if (line.length > STATS_HISTORY_LENGTH) line.splice(0, line.length - STATS_HISTORY_LENGTH);
    this.history.set(identity, line);
    return sample;
  }

  private forget(identity: string): void {
    this.history.delete(identity);
    this.counters.delete(identity);
  }
}
