import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ATTENTION_STATES, attentionState, type AttentionState } from '../../../shared/attention-state';
import type { AgentStatusView, PermissionQuestion } from '../../../shared/agent-reports';
import type { BottleView, PendingRequestSummary } from '../../../shared/bottle-view';
import { testView } from '../../../../test/helpers/test-views';
import { useUiStore } from '../stores/ui-store';
import { AgentLine } from './agent-line';
import { RowAttention } from './bottle-row';
import { CardStatusArea } from './card-status-area';

/*
 * The card's status area and the bottle's row's attention cell, rendered as React renders them (to static markup:
 * no DOM needed), for one bottle in each attention state. Each names the state it shows in
 * `data-attention`; they must name the same one, and say it in words a person reads as that state.
 */

const pending: PendingRequestSummary = { id: 'req-1', reason: 'needs jq', createdAt: '', buildError: null };
const question: PermissionQuestion = {
  id: 'perm-1-ab',
  tool: 'Bash',
  detail: 'npm test',
  input: '{"command":"npm test"}',
  reason: 'run the tests',
  createdAt: '2026-11-26T10:00:00Z',
};
const network = { id: 'p-1', identity: 'dev-abcde', host: 'example.com', port: 443, protocol: 'connect' as const, at: '' };
function agentStatus(overrides: Partial<AgentStatusView>): AgentStatusView {
  return { state: 'working', tool: null, detail: null, lastMessage: null, at: '', since: '', ...overrides };
}
const earlyExit = { reason: 'the agent exited before it started working', seconds: 2, exitCode: 1, lines: ['boom'] };

/** One bottle per state, each also carrying what a lower-ranked state would show, so the rank is tested. */
const BOTTLES: Record<AttentionState, { view: BottleView; card: string; row: string }> = {
  failed: {
    view: testView({
      activity: { kind: 'approving', step: null, totalSteps: null, logTail: [], error: 'build broke' },
      pendingRequest: pending,
      pendingCount: 1,
    }),
    card: 'Approving: building the new image failed',
    row: 'Approving: building the new image failed',
  },
  activity: {
    view: testView({
      activity: { kind: 'approving', step: null, totalSteps: null, logTail: ['step 1'], error: null },
      pendingRequest: pending,
      pendingCount: 1,
    }),
    card: 'Approving: building the new image',
    row: 'Approving: building the new image…',
  },
  stopped: {
    view: testView({
      status: 'exited',
      stopReason: 'its inbox went over its 10 MiB disk budget',
      pendingRequest: pending,
      pendingCount: 1,
    }),
    card: 'Stopped by claude-bottle',
    row: 'over disk budget',
  },
  pending: {
    view: testView({ pendingRequest: pending, pendingCount: 1, warnings: [{ file: 'x.json', message: 'bad', at: '' }] }),
    card: 'Approval needed',
    row: 'Approval needed',
  },
  waiting: {
    view: testView({
      agentStatus: { state: 'waiting', tool: null, detail: null, lastMessage: 'done: 3 tests pass', at: '', since: '' },
      warnings: [{ file: 'x.json', message: 'bad', at: '' }],
    }),
    // The agent line says it and the last message; the area offers the Reply box.
    card: 'waiting for you done: 3 tests pass Reply Reply to the agent of dev-abcde',
    row: 'waiting for you',
  },
  corrupt: {
    view: testView({ status: 'corrupt', containerId: null, corruptReason: 'bad json' }),
    card: 'Corrupt state',
    row: 'corrupt state',
  },
  orphan: { view: testView({ status: 'orphan' }), card: 'Orphan container', row: 'orphan container' },
  ready: { view: testView({ status: 'ready-to-resume', containerId: null, readyReason: 'approved' }), card: 'Rebuilt', row: 'rebuilt' },
  'early-exit': {
    view: testView({ status: 'exited', exitCode: 1, earlyExit, warnings: [{ file: 'x.json', message: 'bad', at: '' }] }),
    card: 'Exited on start',
    // The row's cell is the reason itself: the status pill beside it already says "Exited".
    row: 'the agent exited before it started working',
  },
  warning: { view: testView({ warnings: [{ file: 'x.json', message: 'bad', at: '' }] }), card: 'Bad request', row: 'bad request' },
  hint: { view: testView(), card: 'The agent is running', row: '' },
};

/** Every `data-attention` value in the markup, in order. */
function namedStates(markup: string): string[] {
  return [...markup.matchAll(/data-attention="([^"]*)"/g)].map((match) => match[1] ?? '');
}

/** The text of the markup, tags dropped (entities left as React writes them). */
function text(markup: string): string {
  return markup
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The card's agent line and its status area: where the card says what needs the operator. */
function renderCard(view: BottleView): string {
  return (
    renderToStaticMarkup(createElement(AgentLine, { bottle: view })) + renderToStaticMarkup(createElement(CardStatusArea, { bottle: view }))
  );
}

/** The row's attention cell, as the row renders it for this bottle. */
function renderRowAttention(view: BottleView): string {
  return renderToStaticMarkup(createElement(RowAttention, { bottle: view }));
}

describe('the card and the row agree on the attention state', () => {
  it('a held network request alone: both name the network, the card says where it wants to go and answers it', () => {
    const view = testView({
      networkPending: [{ id: 'p-1', identity: 'alpha-12345', host: 'example.com', port: 443, protocol: 'connect', at: '' }],
    });
    expect(attentionState(view)).toBe('pending');
    const cardMarkup = renderCard(view);
    const cell = renderRowAttention(view);
    expect(namedStates(cardMarkup)).toEqual(['pending']);
    expect(namedStates(cell)).toEqual(['pending']);
    expect(text(cardMarkup)).toContain('Network example.com:443 Allow Always Deny');
    expect(text(cell)).toBe('Network request');
  });

  it('a permission question alone: both name it, the card says what is asked and answers it', () => {
    const view = testView({
      permissionPending: [question],
      agentStatus: agentStatus({ state: 'permission', tool: 'Bash', detail: 'npm test' }),
    });
    expect(attentionState(view)).toBe('pending');
    const cardMarkup = renderCard(view);
    const cell = renderRowAttention(view);
    expect(namedStates(cardMarkup)).toEqual(['pending']);
    expect(namedStates(cell)).toEqual(['pending']);
    expect(text(cardMarkup)).toBe('needs permission: Bash npm test Permission Bash npm test Allow Deny More');
    expect(text(cell)).toBe('Needs permission');
    expect(cell).toContain('data-testid="permission-badge"');
  });

  it('several kinds waiting: the card and the row name the first in the shared order (Dockerfile, network, permission)', () => {
    const both = testView({ permissionPending: [question, { ...question, id: 'perm-2-cd' }], networkPending: [network] });
    expect(text(renderCard(both))).toContain('Network example.com:443');
    expect(text(renderRowAttention(both))).toBe('Network request');
    const all = testView({ permissionPending: [question], networkPending: [network], pendingRequest: pending, pendingCount: 1 });
    expect(text(renderCard(all))).toContain('Approval needed needs jq');
    expect(text(renderRowAttention(all))).toBe('Approval needed');
    const two = testView({ permissionPending: [question, { ...question, id: 'perm-2-cd' }] });
    expect(text(renderCard(two))).toContain('Permission (2) Bash npm test');
    expect(text(renderRowAttention(two))).toBe('2 permission questions');
  });

  it('an agent that asks in its terminal (no question held here): waiting on both, no Reply box', () => {
    const view = testView({ agentStatus: agentStatus({ state: 'permission', tool: 'Edit', detail: 'src/a.ts' }) });
    expect(attentionState(view)).toBe('waiting');
    expect(text(renderCard(view))).toBe('needs permission: Edit src/a.ts needs permission: Edit src/a.ts Answer it in its terminal.');
    expect(text(renderRowAttention(view))).toBe('needs permission: Edit src/a.ts');
  });

  it('a finished turn: no attention state on either, the card offers the Reply box, the row says finished quietly', () => {
    const view = testView({ agentStatus: agentStatus({ state: 'finished', lastMessage: 'all done' }) });
    expect(attentionState(view)).toBe('hint');
    expect(namedStates(renderCard(view))).toEqual(['hint']);
    expect(text(renderCard(view))).toBe('finished all done Reply Reply to the agent of dev-abcde Send');
    expect(namedStates(renderRowAttention(view))).toEqual([]);
    expect(text(renderRowAttention(view))).toBe('finished');
  });

  it('a working agent: the row says on what, quietly; the card line too; no Reply box', () => {
    const view = testView({ agentStatus: agentStatus({ state: 'working', tool: 'Bash', detail: 'npm test' }) });
    expect(attentionState(view)).toBe('hint');
    expect(renderCard(view)).not.toContain('reply-box');
    expect(text(renderRowAttention(view))).toBe('working: Bash npm test');
    expect(text(renderCard(view))).toContain('working: Bash npm test');
  });

  it('an agent waiting longer than LONG_WAIT_MS: the card and the row both mark it', () => {
    // Static rendering reads the store's first state (its server snapshot): the clock is that `now`.
    const now = useUiStore.getInitialState().now;
    const since = new Date(now - 7 * 60_000 - 5_000).toISOString();
    const view = testView({ agentStatus: agentStatus({ state: 'waiting', lastMessage: 'PR?', since, at: since }) });
    expect(text(renderCard(view))).toContain('waiting for you waiting 7 min PR? Reply Reply to the agent');
    expect(text(renderRowAttention(view))).toBe('waiting for you waiting 7 min');
    const recent = new Date(now - 60_000).toISOString();
    const fresh = testView({ agentStatus: agentStatus({ state: 'waiting', lastMessage: 'PR?', since: recent, at: recent }) });
    expect(renderCard(fresh)).not.toContain('long-wait');
    expect(text(renderRowAttention(fresh))).toBe('waiting for you');
  });

  it("an agent's hostile text is escaped to one line on the card line, the card area and the row", () => {
    const hostile = 'npm test\u001b[2J\u202e\nrm -rf /';
    const view = testView({
      permissionPending: [{ ...question, detail: hostile }],
      agentStatus: agentStatus({ state: 'waiting', lastMessage: `done${hostile}` }),
    });
    for (const markup of [renderCard(view), renderRowAttention(view)]) {
      // Not even in a tooltip: an escape or an override never reaches the page as itself.
      expect(markup).not.toMatch(/[\u001b\u202e]/);
      expect(text(markup)).not.toContain('\n');
    }
    expect(text(renderCard(view))).toContain('npm test\\x1b[2J\\u202e\\nrm -rf /');
  });

  it('has a bottle for every state', () => {
    expect(Object.keys(BOTTLES).sort()).toEqual([...ATTENTION_STATES].sort());
  });

  for (const state of ATTENTION_STATES) {
    it(`a bottle in state "${state}": both name it`, () => {
      const { view, card, row } = BOTTLES[state];
      expect(attentionState(view)).toBe(state);
      const cardMarkup = renderCard(view);
      const cell = renderRowAttention(view);
      expect(namedStates(cardMarkup)).toEqual([state]);
      // The row has no word for the quiet hint: its cell stays empty.
      expect(namedStates(cell)).toEqual(state === 'hint' ? [] : [state]);
      expect(text(cardMarkup)).toContain(card);
      expect(text(cell)).toBe(row);
    });
  }

  it('a bottle the operator stopped is "Stopped", not "Rebuilt", on the card and the row', () => {
    const view = testView({ status: 'ready-to-resume', containerId: null, readyReason: 'stopped' });
    expect(text(renderCard(view))).toContain('Stopped');
    expect(text(renderCard(view))).not.toContain('Rebuilt');
    expect(text(renderRowAttention(view))).toBe('stopped');
  });
});
