import type { ActivityKind, BottleActivity } from '../../shared/bottle-view';
import { BottleError } from './bottle-error';

const TAIL_LINES = 20;

export type ActivityListener = (identity: string, activity: BottleActivity | null) => void;

/**
 * Long work in progress per bottle (builds, approve, resume). In memory only: it describes what
 * this process is doing right now, and listeners push it to the UI as it moves.
 */
export class ActivityTracker {
  private readonly current = new Map<string, BottleActivity>();
  private readonly listeners = new Set<ActivityListener>();

  get(identity: string): BottleActivity | null {
    return this.current.get(identity) ?? null;
  }

  subscribe(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  begin(identity: string, kind: ActivityKind): void {
    this.set(identity, { kind, step: null, totalSteps: null, logTail: [], error: null });
  }

  progress(identity: string, update: { step?: number | null; totalSteps?: number | null; line?: string }): void {
    const activity = this.current.get(identity);
    if (activity === undefined) return;
    const logTail = update.line === undefined ? activity.logTail : [...activity.logTail, update.line].slice(-TAIL_LINES);
    this.set(identity, {
      ...activity,
      step: update.step === undefined ? activity.step : update.step,
      totalSteps: update.totalSteps === undefined ? activity.totalSteps : update.totalSteps,
      logTail,
    });
  }

  end(identity: string): void {
    if (!this.current.delete(identity)) return;
    for (const listener of this.listeners) listener(identity, null);
  }

  /** Runs `work` as an activity of this bottle; refuses to overlap two activities on one bottle. */
  async run<T>(identity: string, kind: ActivityKind, work: () => Promise<T>): Promise<T> {
    const busy = this.current.get(identity);
    if (busy !== undefined) throw new ActivityConflictError(identity, busy.kind);
    this.begin(identity, kind);
    try {
      return await work();
    } finally {
      this.end(identity);
    }
  }

  private set(identity: string, activity: BottleActivity): void {
    this.current.set(identity, activity);
    for (const listener of this.listeners) listener(identity, activity);
  }
}

export class ActivityConflictError extends BottleError {
  constructor(identity: string, kind: ActivityKind) {
    super('conflict', `bottle ${identity} is busy (${kind}); try again when it finishes`);
    this.name = 'ActivityConflictError';
  }
}
