import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ATTENTION_STATES, attentionState, type AttentionState } from '../../../shared/attention-state';
import type { BottleView, PendingRequestSummary } from '../../../shared/bottle-view';
import { testView } from '../../../../test/helpers/test-views';
import { RowAttention } from './bottle-row';
import { CardStatusArea } from './card-status-area';

/*
 * The card's status area and the bottle's row's attention cell, rendered as React renders them (to static markup:
 * no DOM needed), for one bottle in each attention state. Each names the state it shows in
 * `data-attention`; they must name the same one, and say it in words a person reads as that state.
 */

const pending: PendingRequestSummary = { id: 'req-1', reason: 'needs jq', createdAt: '', buildError: null };
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
    card: 'waiting for you done: 3 tests pass',
    row: 'waiting for you',
  },
  corrupt: {
    view: testView({ status: 'corrupt', containerId: null, corruptReason: 'bad json' }),
    card: 'Corrupt state',
    row: 'corrupt state',
  },
  orphan: { view: testView({ status: 'orphan' }), card: 'Orphan container', row: 'orphan container' },
  ready: { view: testView({ status: 'ready-to-resume', containerId: null }), card: 'Rebuilt', row: 'rebuilt' },
  'early-exit': {
    view: testView({ status: 'exited', exitCode: 1, earlyExit, warnings: [{ file: 'x.json', message: 'bad', at: '' }] }),
    card: 'Exited on start',
    row: 'exited on start',
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

function renderCard(view: BottleView): string {
  return renderToStaticMarkup(createElement(CardStatusArea, { bottle: view }));
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
});
