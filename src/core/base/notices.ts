import type { AppEvent, NoticeLevel } from '../../shared/app-events';
import { errorMessage } from './bottle-error';
import type { CoreLog } from './core-log';

/** A repeat of the same message within this window is logged but not shown again. */
const REPEAT_WINDOW_MS = 60_000;
/** At most this many notices reach the operator per burst window; the rest are counted. */
const BURST_LIMIT = 5;
const BURST_WINDOW_MS = 10_000;

/**
 * Where failures that no caller is waiting for go (startup recovery, background refresh, inbox
 * scans, a lost engine): every one is a line in the log, and a rate-limited `notice` event that the
 * UI shows as a toast. Nothing in the background fails silently.
 */
export class Notices {
  private readonly lastShown = new Map<string, number>();
  private burstStart = 0;
  private burstCount = 0;
  private suppressed = 0;
  private summaryTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly log: CoreLog,
    private readonly emit: (event: AppEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  report(level: NoticeLevel, message: string): void {
    this.log.write(level, message);
    const at = this.now();
    const last = this.lastShown.get(message);
    if (last !== undefined && at - last < REPEAT_WINDOW_MS) return;
    if (at - this.burstStart >= BURST_WINDOW_MS) {
      this.burstStart = at;
      this.burstCount = 0;
    }
    if (this.burstCount >= BURST_LIMIT) {
      this.suppressed += 1;
      this.scheduleSummary();
      return;
    }
    this.burstCount += 1;
    this.lastShown.set(message, at);
    if (this.lastShown.size > 500) this.lastShown.delete(this.lastShown.keys().next().value as string);
    this.emit({ type: 'notice', level, message });
  }

  /** A background step failed: `what` says which, in the operator's words. */
  failure(what: string, error: unknown): void {
    this.report('error', `${what}: ${errorMessage(error)}`);
  }

  close(): void {
    if (this.summaryTimer !== null) clearTimeout(this.summaryTimer);
    this.summaryTimer = null;
  }

  private scheduleSummary(): void {
    if (this.summaryTimer !== null) return;
    this.summaryTimer = setTimeout(() => {
      this.summaryTimer = null;
      const count = this.suppressed;
      this.suppressed = 0;
      this.emit({ type: 'notice', level: 'warning', message: `${count} more problem${count === 1 ? '' : 's'} logged to ${this.log.path}` });
    }, BURST_WINDOW_MS);
    this.summaryTimer.unref();
  }
}
