import type { AppEvent } from '../../shared/app-events';
import type { BottleListing, BottleView } from '../../shared/bottle-view';
import { newestFirst } from '../../shared/newest-first';
import type { CoreDeps } from '../deps/core-deps';
import type { Notices } from '../base/notices';
import { settled } from '../base/settled';
import { containerAfterEvent, mergeContainerEvents, type ContainerEvent, type ContainerFacts } from '../bottles/container-event';

/** Coalesces bursts of events (a docker stop emits kill, die, stop) into one view refresh. */
const REFRESH_DEBOUNCE_MS = 25;
/** Other instances' bottles are recounted at most this often while theirs come and go. */
const RECOUNT_DEBOUNCE_MS = 500;
/** A window that just listed paints first; the background re-read follows. */
const REVALIDATE_DELAY_MS = 1000;
/**
 * The background re-read is a safety net for what the watchers cannot see (a hand-edited
 * metadata.json, a folder written in pieces): at most once this often, however many windows list.
 */
const REVALIDATE_EVERY_MS = 10_000;

export interface LiveViewSources {
  /** One bottle read afresh; its container taken as `container` says when given (from an engine event). */
  view(identity: string, container?: ContainerFacts): Promise<BottleView | null>;
  /** A fresh read of every bottle, every inbox settled first. */
  list(): Promise<BottleListing>;
  /** How many bottles of other instances the engines hold (the list leaves them out). */
  otherInstances(): Promise<number>;
  /**
   * False while the engine does not answer: kept views would show container states from before.
   * With a name, that one engine only; without, every engine watched.
   */
  engineConnected(engine?: string): boolean;
}

/**
 * Keeps every open window's bottles true: a change to one bottle (Docker event, state-folder or
 * inbox change, an operation ending) re-reads that bottle and pushes its view; a resync re-reads
 * all. Views carry the activity as it is when they are pushed, never as it was when the read
 * began, so a view read during an operation cannot bring back progress that has since ended.
 *
 * It keeps the last view of every bottle: once a full read has been done, a window's list is
 * answered from them (`kept`), without reading thousands of folders again, and a background
 * re-read pushes whatever the watchers could have missed. Only views that differ from the kept
 * one are pushed.
 */
export class LiveViews {
  private readonly views = new Map<string, BottleView>();
  private readonly shown = new Map<string, string>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  // Per bottle: a refresh is scheduled, running, or both; an event that lands while one runs
  // schedules another, so the last event is always followed by a fresh read.
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  // When each bottle last had an event: a resync must not overwrite what a refresh since read.
  private readonly lastEvent = new Map<string, number>();
  // Per bottle: the engine events since its last read, merged ('full': its container must be read).
  private readonly engineEvents = new Map<string, ContainerEvent | 'full'>();
  private tick = 0;
  private closed = false;
  private complete = false;
  private lastRead = 0;
  private reading: Promise<void> | null = null;
  private revalidation: NodeJS.Timeout | Promise<void> | null = null;
  /** Other instances' bottles on the engines, as of the last full read (pushed when it changes). */
  private otherInstances = 0;
  private recounting: NodeJS.Timeout | null = null;

  constructor(
    private readonly ctx: CoreDeps,
    private readonly sources: LiveViewSources,
    private readonly emit: (event: AppEvent) => void,
    private readonly notices: Notices,
  ) {}

  /**
   * `event`: what the engine said happened to the bottle's container, when that is what changed;
   * a refresh for anything else reads the container from the engine.
   */
  refresh(identity: string, event?: ContainerEvent): void {
    if (this.closed) return;
    this.engineEvents.set(identity, mergeContainerEvents(this.engineEvents.get(identity), event ?? 'full'));
    this.tick += 1;
    this.lastEvent.set(identity, this.tick);
    this.schedule(identity);
  }

  /** Reads the bottle's view soon, from what `engineEvents` holds for it then (one read at a time per bottle). */
  private schedule(identity: string): void {
    if (this.closed || this.pending.has(identity)) return;
    if (this.running.has(identity)) {
      this.dirty.add(identity);
      return;
    }
    this.pending.set(
      identity,
      setTimeout(() => {
        this.pending.delete(identity);
        this.running.add(identity);
        const event = this.engineEvents.get(identity);
        this.engineEvents.delete(identity);
        const container = this.eventFacts(identity, event);
        this.sources
          .view(identity, container ?? undefined)
          .then(
            (view) => {
              // The engine went away while this read ran: what its event told is no longer known,
              // and the resync its loss started shows the bottle offline; a view from the event
              // (a shutdown's kill keeps "running") published after it would stay for good.
              if (container !== null && view !== null && !this.sources.engineConnected(view.engine)) return;
              this.publish(identity, view);
            },
            (error: unknown) => this.notices.failure(`Could not refresh bottle ${identity}`, error),
          )
          .finally(() => {
            this.running.delete(identity);
            // What arrived meanwhile is in engineEvents already: an event that came during a read
            // stays an event (a full read only when a refresh meanwhile asked for one).
            if (this.dirty.delete(identity)) this.schedule(identity);
          });
      }, REFRESH_DEBOUNCE_MS),
    );
  }

  /**
   * The container as the bottle's engine events leave it, or null when the engine must be read:
   * no event, one only the engine can explain, or an engine that no longer answers (its events up
   * to the loss do not say what state the bottle is in now).
   */
  private eventFacts(identity: string, event: ContainerEvent | 'full' | undefined): ContainerFacts | null {
    const kept = this.views.get(identity);
    if (event === undefined || event === 'full' || kept === undefined || !this.sources.engineConnected(kept.engine)) return null;
    return containerAfterEvent(event, kept);
  }

  /** Re-reads every bottle (the engine came back, a watcher restarted, a window reconnected). */
  resync(): Promise<void> {
    const reading = this.readAll();
    this.reading = reading;
    const done = (): void => {
      if (this.reading === reading) this.reading = null;
    };
    reading.then(done, done);
    return reading;
  }

  private async readAll(): Promise<void> {
    const startedAt = this.tick;
    const { bottles: views, otherInstances } = await this.sources.list();
    this.publishOtherInstances(otherInstances);
    // A bottle with an event after the listing began has a newer refresh of its own on the way.
    const settled = (identity: string): boolean => (this.lastEvent.get(identity) ?? 0) <= startedAt;
    const now = new Set(views.map((view) => view.identity));
    for (const identity of [...this.views.keys()]) if (!now.has(identity) && settled(identity)) this.publish(identity, null);
    for (const view of views) if (settled(view.identity)) this.publish(view.identity, view);
    this.complete = true;
    this.lastRead = Date.now();
  }

  /**
   * Every bottle as last pushed, newest first, once a full read has been done (waiting for the one
   * under way, or starting it, so windows listing at once share one) and while the engine answers;
   * null otherwise (the caller reads afresh). Schedules a background re-read when the last full read is older than
   * REVALIDATE_EVERY_MS.
   */
  async kept(): Promise<BottleListing | null> {
    if (!this.complete && this.sources.engineConnected()) {
      // The first read of all is shared by every window listing meanwhile (and by the watchers').
      // A read that failed leaves `complete` false: null below, and the caller's own fresh read
      // reports the error to whoever asked.
      await settled(this.reading ?? this.resync());
    }
    if (!this.complete || this.closed || !this.sources.engineConnected()) return null;
    this.revalidate();
    const views: BottleView[] = [];
    for (const view of this.views.values()) views.push({ ...view, activity: this.ctx.activity.get(view.identity) });
    return { bottles: newestFirst(views), otherInstances: this.otherInstances };
  }

  /**
   * Another instance's bottle came or went: recount theirs alone (no state folder is read), once
   * per burst, since a test run elsewhere can create and destroy many at once.
   */
  recountOtherInstances(): void {
    if (this.closed || this.recounting !== null) return;
    this.recounting = setTimeout(() => {
      this.sources
        .otherInstances()
        .then(
          (count) => this.publishOtherInstances(count),
          (error: unknown) => this.notices.failure('Could not count the bottles of other instances', error),
        )
        .finally(() => {
          this.recounting = null;
        });
    }, RECOUNT_DEBOUNCE_MS);
    this.recounting.unref();
  }

  private publishOtherInstances(count: number): void {
    if (count === this.otherInstances || this.closed) return;
    this.otherInstances = count;
    this.emit({ type: 'other-instances', count });
  }

  close(): void {
    this.closed = true;
    if (this.recounting !== null) clearTimeout(this.recounting);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    this.engineEvents.clear();
    if (this.revalidation !== null && !(this.revalidation instanceof Promise)) clearTimeout(this.revalidation);
  }

  /** One background re-read at a time, and not more often than REVALIDATE_EVERY_MS. */
  private revalidate(): void {
    if (this.revalidation !== null || Date.now() - this.lastRead < REVALIDATE_EVERY_MS) return;
    const timer = setTimeout(() => {
      const reading = this.resync()
        .catch((error: unknown) => this.notices.failure('Could not re-read the bottles', error))
        .finally(() => {
          this.revalidation = null;
        });
      this.revalidation = reading;
    }, REVALIDATE_DELAY_MS);
    timer.unref();
    this.revalidation = timer;
  }

  private publish(identity: string, view: BottleView | null): void {
    if (this.closed) return;
    if (view === null) {
      this.shown.delete(identity);
      if (this.views.delete(identity)) this.emit({ type: 'bottle-removed', identity });
      return;
    }
    const bottle = { ...view, activity: this.ctx.activity.get(identity) };
    const text = JSON.stringify(bottle);
    this.views.set(identity, view);
    if (this.shown.get(identity) === text) return;
    this.shown.set(identity, text);
    this.emit({ type: 'bottle-changed', bottle });
  }
}
