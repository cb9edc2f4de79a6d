import { describe, expect, it } from 'vitest';
import { actionState, allowedActions, displayStatus, isBusy } from './allowed-actions';
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
const names = (view: Parameters<typeof allowedActions>[0], engineAvailable = true): string[] =>
  allowedActions(view, { engineAvailable }).map((state) => (state.enabled ? state.action : `${state.action}:off`));

describe('allowed actions per bottle state', () => {
  it('offers what each status allows, in display order', () => {
    expect(names(testView({ status: 'running' }))).toEqual([
      'open-terminal',
      'open-logs',
      'stop',
      'changes',
      'checkpoint',
      'restore:off',
      'fork',
      'copy-resume-command',
      'remove',
    ]);
    expect(names(testView({ status: 'exited', exitCode: 3 }))).toEqual([
      'open-logs',
      'resume',
      'changes',
      'checkpoint',
      'restore:off',
      'fork',
      'copy-resume-command',
      'remove',
    ]);
    expect(names(testView({ status: 'ready-to-resume', historyCount: 2, containerId: null }))).toEqual([
      'resume',
      'history',
      'changes',
      'checkpoint',
      'restore',
      'fork',
      'copy-resume-command',
      'remove',
    ]);
    expect(names(testView({ status: 'missing-container', containerId: null }))).toEqual([
      'resume',
      'changes',
      'checkpoint',
      'restore',
      'fork',
      'copy-resume-command',
      'remove',
    ]);
    expect(names(testView({ status: 'running', cwd: '' }))).toEqual([
      'open-terminal',
      'open-logs',
      'stop',
      'copy-resume-command',
      'remove',
    ]);
    expect(names(testView({ status: 'corrupt', containerId: null }))).toEqual(['remove']);
    expect(names(testView({ status: 'orphan', containerId: 'abc' }))).toEqual(['open-logs', 'stop', 'remove']);
    expect(names(testView({ status: 'orphan', containerId: null }))).toEqual(['remove']);
    expect(names(testView({ pendingRequest: pending }))).toEqual([
      'open-terminal',
      'open-logs',
      'stop',
      'approve',
      'reject',
      'changes',
      'checkpoint',
      'restore:off',
      'fork',
      'copy-resume-command',
      'remove',
    ]);
  });

  it('holds back changes while work runs, and container actions while Docker is away', () => {
    const busy = testView({ pendingRequest: pending, activity: working('approving') });
    expect(names(busy)).toEqual([
      'open-terminal',
      'open-logs',
      'stop:off',
      'approve:off',
      'reject:off',
      'changes',
      'checkpoint:off',
      'restore:off',
      'fork:off',
      'copy-resume-command',
      'remove:off',
    ]);
    expect(actionState(busy, 'stop')?.reason).toBe('busy: approving');
    const away = testView({ status: 'exited', pendingRequest: pending });
    expect(names(away, false)).toEqual([
      'open-logs:off',
      'resume:off',
      'approve:off',
      'reject',
      'changes',
      'checkpoint:off',
      'restore:off',
      'fork:off',
      'copy-resume-command',
      'remove',
    ]);
    expect(actionState(away, 'resume', { engineAvailable: false })?.reason).toBe('Docker is not running');
  });

  it('treats a kept failure as finished work that can be dismissed', () => {
    const failed = testView({ status: 'exited', activity: working('resuming', 'image build failed: no space left') });
    expect(isBusy(failed)).toBe(false);
    expect(names(failed)).toEqual([
      'open-logs',
      'resume',
      'changes',
      'checkpoint',
      'restore:off',
      'fork',
      'copy-resume-command',
      'dismiss-error',
      'remove',
    ]);
    expect(actionState(testView(), 'dismiss-error')).toBeNull();
  });

  it('names the status a person reads', () => {
    expect(displayStatus(testView({ pendingRequest: pending }))).toBe('awaiting-approval');
    expect(displayStatus(testView({ status: 'exited', exitCode: 137 }))).toBe('exited (137)');
    expect(displayStatus(testView({ status: 'ready-to-resume' }))).toBe('ready-to-resume');
  });
});

describe('checkpoint (issue 24)', () => {
  it('is offered for a bottle that runs, exited or was stopped with its workspace saved; in mount mode only with a project folder', () => {
    for (const status of ['running', 'exited', 'ready-to-resume', 'missing-container'] as const)
      expect(actionState(testView({ status, copyCwd: true }), 'checkpoint'), status).toEqual({
        action: 'checkpoint',
        enabled: true,
        reason: null,
      });
    // Mount mode: the project folder against its baseline (issue 24); a bottle without a folder has nothing to save.
    expect(actionState(testView({ status: 'running', copyCwd: false }), 'checkpoint')).toMatchObject({ enabled: true });
    expect(actionState(testView({ status: 'running', copyCwd: false, cwd: null }), 'checkpoint')).toBeNull();
    for (const status of ['corrupt', 'orphan', 'starting'] as const)
      expect(actionState(testView({ status, copyCwd: true }), 'checkpoint')).toBeNull();
  });

  it('waits for work in progress and for Docker', () => {
    expect(actionState(testView({ status: 'running', copyCwd: true, activity: working('approving') }), 'checkpoint')).toMatchObject({
      enabled: false,
      reason: 'busy: approving',
    });
    expect(actionState(testView({ status: 'running', copyCwd: true }), 'checkpoint', { engineAvailable: false })).toMatchObject({
      enabled: false,
      reason: 'Docker is not running',
    });
  });
});

describe('fork (issue 24)', () => {
  it('is offered where a checkpoint can be taken, in copy and mount mode (it forks into copies), and waits for work and for Docker', () => {
    for (const copyCwd of [true, false])
      for (const status of ['running', 'exited', 'ready-to-resume', 'missing-container'] as const)
        expect(actionState(testView({ status, copyCwd }), 'fork'), `${status} copy=${copyCwd}`).toEqual({
          action: 'fork',
          enabled: true,
          reason: null,
        });
    // A mount-mode bottle without a project folder has nothing to fork.
    expect(actionState(testView({ status: 'running', copyCwd: false, cwd: '' }), 'fork')).toBeNull();
    for (const status of ['corrupt', 'orphan', 'starting'] as const)
      expect(actionState(testView({ status, copyCwd: true }), 'fork')).toBeNull();
    expect(actionState(testView({ status: 'running', copyCwd: true, activity: working('approving') }), 'fork')).toMatchObject({
      enabled: false,
      reason: 'busy: approving',
    });
    expect(actionState(testView({ status: 'running', copyCwd: true }), 'fork', { engineAvailable: false })).toMatchObject({
      enabled: false,
      reason: 'Docker is not running',
    });
  });
});
