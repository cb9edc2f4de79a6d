import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { testView } from '../../../../test/helpers/test-views';
import { AgentLine } from './agent-line';

function line(overrides: Parameters<typeof testView>[0]): string {
  return renderToStaticMarkup(createElement(AgentLine, { bottle: testView(overrides) }))
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

describe("a card's agent line", () => {
  it('shows the task it was started with, on one line, until the agent says something', () => {
    expect(line({ task: 'Fix the login test\nthen\trun it' })).toBe('Task: Fix the login test then run it');
    expect(
      line({ task: 'Fix it', agentStatus: { state: 'finished', tool: null, detail: null, lastMessage: 'Fixed.', at: '', since: '' } }),
    ).toBe('finished Fixed.');
  });

  it('says when a running agent never reported, and nothing for a stopped one', () => {
    expect(line({})).toBe('No report from the agent yet.');
    expect(line({ status: 'exited', exitCode: 0 })).toBe('');
  });
});
