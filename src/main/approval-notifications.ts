import { Notification } from 'electron';
import type { AppEvent } from '../shared/app-events';
import { requestNotification } from '../shared/request-notification';

/**
 * One desktop notification per request that starts waiting for the operator. It remembers, per
 * bottle, only the request it last announced: a bottle whose request was decided (or that is gone)
 * is forgotten, so the memory is bounded by the bottles there are, not by every request ever seen.
 */
export class ApprovalNotifications {
  private readonly announced = new Map<string, string>();

  constructor(private readonly onClick: (identity: string) => void) {}

  /** How many bottles currently have an announced request (for tests and diagnostics). */
  get size(): number {
    return this.announced.size;
  }

  handle(event: AppEvent): void {
    if (event.type === 'bottle-removed') {
      this.announced.delete(event.identity);
      return;
    }
    if (event.type !== 'bottle-changed') return;
    const { identity, pendingRequest } = event.bottle;
    if (pendingRequest === null) {
      this.announced.delete(identity);
      return;
    }
    if (this.announced.get(identity) === pendingRequest.id) return;
    this.announced.set(identity, pendingRequest.id);
    if (!Notification.isSupported()) return;
    const notification = new Notification(requestNotification(identity, pendingRequest));
    notification.on('click', () => this.onClick(identity));
    notification.show();
  }
}
