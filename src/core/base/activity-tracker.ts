import type { ActivityKind, BottleActivity } from '../../shared/bottle-view';
import { BottleError, errorMessage } from './bottle-error';

const TAIL_LINES = 20;

export type ActivityListener = (identity: string, activity: BottleActivity | null) => void;

/**
 * Long work in progress per bottle (builds, approve, resume), and the in-process lock that keeps two
 * of them off one bottle. In memory only: it describes what this process is doing right now, and
 * listeners push it to the UI as it moves. A failed operation stays, with its error, until the
 * next one starts or the operator dismisses it, so a failure is never just a card that stopped.
 */
export class ActivityTracker {
  private readonly current = new Map<string, BottleActivity>();
  private readonly listeners = new Set<ActivityListener>();

  get(identity: string): BottleActivity | null {
    return this.current.get(identity) ?? null;
  }

  /** True while work runs on the bottle (a kept failure does not count). */
  isBusy(identity: string): boolean {
    const activity = this.current.get(identity);
    return activity !== undefined && activity.error === null;
  }

  subscribe(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  progress(identity: string, update: { step?: number | null; totalSteps?: number | null; line?: string }): void {
    const activity = this.current.get(identity);
    if (activity === undefined || activity.error !== null) return;
    const logTail = update.line === undefined ? activity.logTail : [...activity.logTail, update.line].slice(-TAIL_LINES);
    this.set(identity, {
      ...activity,
      step: update.step === undefined ? activity.step : update.step,
      totalSteps: update.totalSteps === undefined ? activity.totalSteps : update.totalSteps,
      logTail,
    });
  }

  /** The work in progress moves on to its next phase under the same lock (approve → resume). */
  switchTo(identity: string, kind: ActivityKind): void {
    const activity = this.current.get(identity);
    if (activity === undefined || activity.error !== null) return;
    this.set(identity, { ...activity, kind, step: null, totalSteps: null });
  }

  /** Forgets a kept failure (the operator read it). */
  dismiss(identity: string): void {
    if (this.current.get(identity)?.error == null) return;
    this.clear(identity);
  }

  /**
   * Runs `work` as an activity of this bottle, holding its lock until `work` settles; refuses to
   * overlap two activities on one bottle. A failure is kept with its message and rethrown.
   */
  async run<T>(identity: string, kind: ActivityKind, work: () => Promise<T>): Promise<T> {
    const busy = this.current.get(identity);
    if (busy !== undefined && busy.error === null) throw new ActivityConflictError(identity, busy.kind);
    this.set(identity, { kind, step: null, totalSteps: null, logTail: [], error: null });
    let result: T;
    try {
      result = await work();
    } catch (error: unknown) {
      const failed = this.current.get(identity);
      if (failed !== undefined) this.set(identity, { ...failed, step: null, totalSteps: null, error: errorMessage(error) });
      throw error;
    }
    this.clear(identity);
    return result;
  }

  private clear(identity: string): void {
    if (!this.current.delete(identity)) return;
    for (const listener of this.listeners) listener(identity, null);
  }

  private set(identity: string, activity: BottleActivity): void {
    this.current.set(identity, activity);
    for (const listener of this.listeners) listener(identity, activity);
  }
}

export class ActivityConflictError extends BottleError {
  constructor(identity: string, kind: string) {
    super('conflict', `bottle ${identity} is busy (${kind}); try again when it finishes`);
    this.name = 'ActivityConflictError';
  }
}
