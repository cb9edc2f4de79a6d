import { describe, expect, it } from 'vitest';
import { LONG_WAIT_MS, type AgentStatusView, type PermissionQuestion } from './agent-reports';
import { agentLastMessage, agentStatusLine, agentWaits, waitingLong } from './agent-status-line';
import { attentionState } from './attention-state';
import { announcements, waitingRequests } from './waiting-requests';
import { testView } from '../../test/helpers/test-views';

const report = (state: AgentStatusView['state'], extra: Partial<AgentStatusView> = {}): AgentStatusView => ({
  state,
  tool: null,
  detail: null,
  lastMessage: null,
  at: '2026-12-03T22:00:00.000Z',
  since: '2026-12-03T22:00:00.000Z',
  ...extra,
});
const question: PermissionQuestion = {
  id: 'perm-1-ab',
  tool: 'Bash',
  detail: 'npm test',
  input: '{"command":"npm test"}',
  reason: null,
  createdAt: '2026-12-03T22:00:00.000Z',
};

describe('the agent status line', () => {
  it('words each state', () => {
    expect(agentStatusLine(testView({ agentStatus: report('working', { tool: 'Bash', detail: 'npm test' }) }))).toBe(
      'working: Bash npm test',
    );
    expect(agentStatusLine(testView({ agentStatus: report('working') }))).toBe('working');
    expect(agentStatusLine(testView({ agentStatus: report('permission', { tool: 'Bash', detail: 'npm test' }) }))).toBe(
      'needs permission: Bash npm test',
    );
    expect(agentStatusLine(testView({ agentStatus: report('waiting', { lastMessage: 'done' }) }))).toBe('waiting for you');
    expect(agentStatusLine(testView({ agentStatus: report('finished') }))).toBe('finished');
    expect(agentStatusLine(testView({ status: 'exited', agentStatus: report('exited', { detail: 'logout' }) }))).toBe('exited: logout');
    expect(agentStatusLine(testView())).toBeNull();
  });

  it('names the permission question the host holds before any report', () => {
    expect(agentStatusLine(testView({ agentStatus: report('working'), permissionPending: [question] }))).toBe(
      'needs permission: Bash npm test',
    );
  });

  it('says nothing of working or waiting once the container stopped', () => {
    for (const state of ['working', 'permission', 'waiting'] as const) {
      const view = testView({ status: 'exited', agentStatus: report(state), permissionPending: [question] });
      expect(agentStatusLine(view)).toBeNull();
      expect(agentWaits(view)).toBe(false);
    }
  });

  it('escapes the agent text to one cut line', () => {
    const line = agentStatusLine(
      testView({ agentStatus: report('working', { tool: 'Bash', detail: `a\u001b[31m\nb${'x'.repeat(500)}` }) }),
    );
    expect(line).not.toMatch(/[\u0000-\u001f]/);
    expect(Array.from(line ?? '').length).toBeLessThanOrEqual(120);
    expect(agentLastMessage(testView({ agentStatus: report('waiting', { lastMessage: 'one\ntwo\u202e' }) }))).not.toMatch(/[\n\u202e]/);
  });

  it('marks a long wait only after LONG_WAIT_MS', () => {
    const view = testView({ agentStatus: report('waiting') });
    const since = Date.parse('2026-12-03T22:00:00.000Z');
    expect(waitingLong(view, since + LONG_WAIT_MS - 1)).toBe(false);
    expect(waitingLong(view, since + LONG_WAIT_MS)).toBe(true);
    expect(waitingLong(testView({ agentStatus: report('working') }), since + 10 * LONG_WAIT_MS)).toBe(false);
    expect(waitingLong(testView({ permissionPending: [question] }), since + LONG_WAIT_MS)).toBe(true);
  });
});

describe('the agent feeds the shared attention rule', () => {
  it('a permission question is a waiting request with its own key and notification', () => {
    const view = testView({ identity: 'dev-abcde', permissionPending: [question] });
    expect(attentionState(view)).toBe('pending');
    const waiting = waitingRequests([view]);
    expect(waiting.map((request) => request.key)).toEqual(['dev-abcde perm:perm-1-ab']);
    const [note] = announcements(waiting, () => '');
    expect(note?.title).toBe('dev-abcde asks to run Bash: npm test');
  });

  it('an agent waiting for its next instruction ranks below a request, above a warning', () => {
    const warnings = [{ file: 'x.json', message: 'bad', at: '' }];
    expect(attentionState(testView({ agentStatus: report('waiting'), warnings }))).toBe('waiting');
    expect(attentionState(testView({ agentStatus: report('permission') }))).toBe('waiting');
    expect(attentionState(testView({ agentStatus: report('working'), warnings }))).toBe('warning');
    expect(attentionState(testView({ status: 'exited', agentStatus: report('waiting') }))).toBe('hint');
  });
});
