import { describe, expect, it, vi } from 'vitest';
import type { AppEvent } from '../../src/shared/app-events';
import type { BottleView, PendingRequestView } from '../../src/shared/bottle-view';

// The module under test imports `electron`: it gets the stand-in, never the real package.
vi.mock('electron', () => import('./stand-in/electron.mjs'));
const { ApprovalNotifications } = await import('../../src/main/approval-notifications');
const record = (globalThis as unknown as { electronStandIn: { notifications: { options: { title: string } }[] } }).electronStandIn;

function changed(identity: string, requestId: string | null): AppEvent {
  const pendingRequest = requestId === null ? null : ({ id: requestId, reason: `reason ${requestId}` } as PendingRequestView);
  return { type: 'bottle-changed', bottle: { identity, pendingRequest } as BottleView };
}

describe('desktop notifications for waiting requests', () => {
  it('announces each request once, and remembers no more than the bottles that have one waiting', () => {
    record.notifications.length = 0;
    const clicked: string[] = [];
    const notifications = new ApprovalNotifications((identity) => clicked.push(identity));
    for (let i = 0; i < 3; i += 1) notifications.handle(changed('dev-aaaaa', 'req-1'));
    expect(record.notifications.map((n) => n.options.title)).toEqual(['dev-aaaaa needs approval']);
    notifications.handle(changed('dev-bbbbb', 'req-1'));
    expect(notifications.size).toBe(2);
    // Decided, or the bottle gone: forgotten.
    notifications.handle(changed('dev-aaaaa', null));
    notifications.handle({ type: 'bottle-removed', identity: 'dev-bbbbb' });
    expect(notifications.size).toBe(0);
    // A thousand requests over time leave nothing behind once decided.
    for (let i = 0; i < 1000; i += 1) {
      notifications.handle(changed('dev-ccccc', `req-${i}`));
      notifications.handle(changed('dev-ccccc', null));
    }
    expect(notifications.size).toBe(0);
    expect(record.notifications).toHaveLength(1002);
    (record.notifications[0] as unknown as { emit(name: string): void }).emit('click');
    expect(clicked).toEqual(['dev-aaaaa']);
  });
});
