/** A plausible bottle view for specs of pure modules (kept out of src: nothing in the app may import it). */
import type { BottleView } from '../../src/shared/bottle-view';

export function testView(overrides: Partial<BottleView> = {}): BottleView {
  return {
    identity: 'dev-abcde',
    engine: 'default',
    agentName: 'dev',
    cwd: '/home/me/project',
    copyCwd: false,
    startedAt: '2026-11-26T10:00:00+00:00',
    status: 'running',
    exitCode: null,
    containerId: 'c0ffee'.repeat(10),
    image: 'claude-bottle-agent-dev:0123',
    hasDockerfile: false,
    corruptReason: null,
    pendingRequest: null,
    pendingCount: 0,
    warnings: [],
    historyCount: 0,
    activity: null,
    stateBytes: null,
    autonomous: false,
    earlyExit: null,
    stopReason: null,
    readyReason: null,
    createdAt: null,
    networkPending: [],
    networkMode: 'ask',
    credentialSet: 'claude',
    name: null,
    task: null,
    agentStatus: null,
    permissionPending: [],
    forkedFrom: null,
    ...overrides,
  };
}
