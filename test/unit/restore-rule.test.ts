import { describe, expect, it } from 'vitest';
import { actionState } from '../../src/shared/allowed-actions';
import { testView } from '../helpers/test-views';

describe('the restore rule (allowed-actions.ts)', () => {
  it('is allowed only for a stopped copy-mode bottle, and says why otherwise', () => {
    const stop = { enabled: false, reason: 'stop it first: claude-bottle stop dev-abcde' };
    expect(actionState(testView({ copyCwd: true, status: 'ready-to-resume', containerId: null }), 'restore')).toMatchObject({
      enabled: true,
      reason: null,
    });
    expect(actionState(testView({ copyCwd: true, status: 'missing-container', containerId: null }), 'restore')).toMatchObject({
      enabled: true,
    });
    expect(actionState(testView({ copyCwd: true, status: 'running' }), 'restore')).toMatchObject(stop);
    // An exited container would be saved over the restored state by the resume.
    expect(actionState(testView({ copyCwd: true, status: 'exited', exitCode: 0 }), 'restore')).toMatchObject(stop);
  });

  it('waits for work in progress and for Docker; shown for mount mode with a project folder; never for a broken bottle', () => {
    const stopped = { copyCwd: true, status: 'ready-to-resume', containerId: null } as const;
    const busy = testView({ ...stopped, activity: { kind: 'approving', step: null, totalSteps: null, logTail: [], error: null } });
    expect(actionState(busy, 'restore')).toMatchObject({ enabled: false, reason: 'busy: approving' });
    expect(actionState(testView(stopped), 'restore', { engineAvailable: false })).toMatchObject({
      enabled: false,
      reason: 'Docker is not running',
    });
    // Mount mode (its confirm says the project folder is written): the same rule.
    expect(actionState(testView({ ...stopped, copyCwd: false, cwd: '/home/me/project' }), 'restore')).toMatchObject({ enabled: true });
    expect(actionState(testView({ ...stopped, copyCwd: false, cwd: '/home/me/project', status: 'running' }), 'restore')).toMatchObject({
      enabled: false,
    });
    expect(actionState(testView({ ...stopped, copyCwd: false, cwd: null }), 'restore')).toBeNull();
    expect(actionState(testView({ ...stopped, status: 'corrupt' }), 'restore')).toBeNull();
  });
});
