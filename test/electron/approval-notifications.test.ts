import { describe, expect, it, vi } from 'vitest';
import type { AppEvent } from '../../src/shared/app-events';
import type { BottleView, PendingRequestView } from '../../src/shared/bottle-view';
import type { NetworkRequest } from '../../src/shared/network-policy';
import type { PermissionQuestion } from '../../src/shared/agent-reports';

// The module under test imports `electron`: it gets the stand-in, never the real package.
vi.mock('electron', () => import('./stand-in/electron.mjs'));
const { ApprovalNotifications } = await import('../../src/main/approval-notifications');
const record = (globalThis as unknown as { electronStandIn: { notifications: { options: { title: string } }[] } }).electronStandIn;

function changed(
  identity: string,
  requestId: string | null,
  networkPending: NetworkRequest[] = [],
  permissionPending: PermissionQuestion[] = [],
): AppEvent {
  const pendingRequest = requestId === null ? null : ({ id: requestId, reason: `reason ${requestId}` } as PendingRequestView);
  return { type: 'bottle-changed', bottle: { identity, pendingRequest, networkPending, permissionPending } as BottleView };
}

function question(id: string, detail: string): PermissionQuestion {
  return { id, tool: 'Bash', detail, input: null, reason: `needed for ${detail}`, createdAt: '2026-12-03T10:00:00Z' };
}

function held(id: string, host: string): NetworkRequest {
  return { id, identity: 'net-aaaaa', host, port: 443, protocol: 'connect', at: `2026-12-03T10:00:00.${id.padStart(3, '0')}Z` };
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

  it('announces held network connections ("wants to reach HOST:PORT"), one notification per burst, and the badge counts each', () => {
    record.notifications.length = 0;
    const notifications = new ApprovalNotifications(() => undefined);
    notifications.handle(changed('net-aaaaa', null, [held('1', 'example.com')]));
    notifications.handle(changed('net-aaaaa', null, [held('1', 'example.com')]));
    expect(record.notifications.map((n) => n.options.title)).toEqual(['net-aaaaa wants to reach example.com:443']);
    expect(notifications.waiting).toBe(1);
    // A hundred at once: one notification, all counted.
    const burst = [held('1', 'example.com'), ...Array.from({ length: 100 }, (_, i) => held(String(i + 2), `h${i}.example.com`))];
    notifications.handle(changed('net-aaaaa', 'req-1', burst));
    expect(record.notifications.map((n) => n.options.title)).toEqual([
      'net-aaaaa wants to reach example.com:443',
      'net-aaaaa needs approval',
      'net-aaaaa wants to reach h0.example.com:443 and 99 more',
    ]);
    expect(notifications.waiting).toBe(102);
    notifications.handle(changed('dev-bbbbb', 'req-2'));
    expect(notifications.waiting).toBe(103);
    // Answered, or the bottle gone: not counted, forgotten.
    notifications.handle(changed('net-aaaaa', null));
    expect(notifications.waiting).toBe(1);
    notifications.handle({ type: 'bottle-removed', identity: 'dev-bbbbb' });
    expect(notifications.waiting).toBe(0);
    expect(notifications.size).toBe(0);
  });

  it('announces an agent\'s permission questions ("asks to run Bash: …"), one notification per burst, and the badge counts each', () => {
    record.notifications.length = 0;
    const notifications = new ApprovalNotifications(() => undefined);
    notifications.handle(changed('ask-aaaaa', null, [], [question('perm-1-00', 'npm test')]));
    notifications.handle(changed('ask-aaaaa', null, [], [question('perm-1-00', 'npm test')]));
    expect(record.notifications.map((n) => n.options.title)).toEqual(['ask-aaaaa asks to run Bash: npm test']);
    const burst = [question('perm-1-00', 'npm test'), question('perm-2-00', 'rm -rf build'), question('perm-3-00', 'git push')];
    notifications.handle(changed('ask-aaaaa', null, [], burst));
    expect(record.notifications.map((n) => n.options.title)).toEqual([
      'ask-aaaaa asks to run Bash: npm test',
      'ask-aaaaa asks to run Bash: rm -rf build and 1 more',
    ]);
    expect(notifications.waiting).toBe(3);
    // Answered or withdrawn: not counted, forgotten.
    notifications.handle(changed('ask-aaaaa', null));
    expect(notifications.waiting).toBe(0);
    expect(notifications.size).toBe(0);
  });
});
