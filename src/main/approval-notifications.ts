import { Notification } from 'electron';
import type { AppEvent } from '../shared/app-events';
import { announcements, bottleWaitingRequests } from '../shared/waiting-requests';

/**
 * Desktop notifications for requests that start waiting for the operator: a Dockerfile request, or
 * a held network connection (one notification for the connections a bottle opened at once). It
 * remembers, per bottle, only the requests waiting now: what was decided (or a bottle that is gone)
 * is forgotten, so the memory is bounded by what waits (the gateway caps held connections per
 * bottle), not by every request ever seen.
 */
export class ApprovalNotifications {
  private readonly announced = new Map<string, ReadonlySet<string>>();
  private count = 0;

  constructor(private readonly onClick: (identity: string) => void) {}

  /** How many bottles currently have a request waiting (for tests and diagnostics). */
  get size(): number {
    return this.announced.size;
  }

  /** How many requests wait, every bottle's together: the dock badge, as the window title counts them. */
  get waiting(): number {
    return this.count;
  }

  handle(event: AppEvent): void {
    if (event.type === 'bottle-removed') {
      this.forget(event.identity);
      return;
    }
    if (event.type !== 'bottle-changed') return;
    const { bottle } = event;
    const now = bottleWaitingRequests(bottle);
    const before = this.announced.get(bottle.identity);
    this.forget(bottle.identity);
    if (now.length === 0) return;
    this.announced.set(bottle.identity, new Set(now.map((waiting) => waiting.key)));
    this.count += now.length;
    const fresh = now.filter((waiting) => before?.has(waiting.key) !== true);
    if (fresh.length === 0 || !Notification.isSupported()) return;
    for (const { identity, title, body } of announcements(fresh, () => bottle.pendingRequest?.reason ?? '')) {
      const notification = new Notification({ title, body });
      notification.on('click', () => this.onClick(identity));
      notification.show();
    }
  }

  private forget(identity: string): void {
    this.count -= this.announced.get(identity)?.size ?? 0;
    this.announced.delete(identity);
  }
}
