import { describe, expect, it } from 'vitest';
import { activityLabel, attentionState } from './attention-state';
import type { BottleActivity, PendingRequestSummary } from './bottle-view';
import { testView } from '../../test/helpers/test-views';

const pending = { id: 'req-1', reason: 'needs jq', createdAt: '', buildError: null } satisfies PendingRequestSummary;
const working = (kind: BottleActivity['kind'], error: string | null = null): BottleActivity => ({
  kind,
  step: null,
  totalSteps: null,
  logTail: [],
  error,
});
const earlyExit = { reason: 'exited before it started', seconds: 1, exitCode: 1, lines: [] };
const warning = { file: 'x.json', message: 'bad', at: '' };

describe('which attention state wins', () => {
  it('puts work in progress first: an approval being built is "approving", not still waiting', () => {
    expect(attentionState(testView({ pendingRequest: pending, activity: working('approving') }))).toBe('activity');
    expect(attentionState(testView({ pendingRequest: pending, activity: working('approving', 'build broke') }))).toBe('failed');
  });

  it('puts a stop claude-bottle made before a request the agent still has waiting', () => {
    expect(attentionState(testView({ status: 'exited', stopReason: 'over budget', pendingRequest: pending }))).toBe('stopped');
    expect(attentionState(testView({ status: 'exited', stopReason: 'over budget', activity: working('resuming') }))).toBe('activity');
  });

  it('ranks the rest: request, broken states, rebuilt, early exit, bad requests, nothing', () => {
    expect(attentionState(testView({ pendingRequest: pending, warnings: [warning] }))).toBe('pending');
    expect(attentionState(testView({ status: 'corrupt', warnings: [warning] }))).toBe('corrupt');
    expect(attentionState(testView({ status: 'orphan' }))).toBe('orphan');
    expect(attentionState(testView({ status: 'ready-to-resume', warnings: [warning] }))).toBe('ready');
    expect(attentionState(testView({ status: 'exited', earlyExit, warnings: [warning] }))).toBe('early-exit');
    // An early exit is news only while the bottle is still exited (a resumed bottle runs again).
    expect(attentionState(testView({ status: 'running', earlyExit, warnings: [warning] }))).toBe('warning');
    expect(attentionState(testView())).toBe('hint');
  });

  it('counts a held network connection as needing the operator, like a Dockerfile request', () => {
    const held = { id: 'p-1', identity: 'dev-abcde', host: 'example.com', port: 443, protocol: 'connect' as const, at: '' };
    expect(attentionState(testView({ networkPending: [held], warnings: [warning] }))).toBe('pending');
    expect(attentionState(testView({ networkPending: [held], status: 'ready-to-resume' }))).toBe('pending');
    // Work in progress and a stop of ours still come first, as for a Dockerfile request.
    expect(attentionState(testView({ networkPending: [held], activity: working('resuming') }))).toBe('activity');
    expect(attentionState(testView({ networkPending: [held], status: 'exited', stopReason: 'over budget' }))).toBe('stopped');
  });

  it('names each activity, and shows one it does not know as it is', () => {
    expect(activityLabel('approving')).toBe('Approving: building the new image');
    expect(activityLabel('building')).toBe('Building image');
    expect(activityLabel('defragmenting')).toBe('defragmenting');
  });
});
