import { describe, expect, it } from 'vitest';
import { networkAnswers, networkAnswerState } from '../../src/shared/network-answers';
import type { NetworkRequest } from '../../src/shared/network-policy';
import { answerForKey, keyName, NETWORK_ANSWER_TABLE } from '../../src/renderer/src/lib/network-answers';
import { testView } from '../helpers/test-views';

const held: NetworkRequest = {
  id: 'g1',
  identity: 'dev-abcde',
  host: 'example.com',
  port: 443,
  protocol: 'connect',
  at: '2026-12-03T10:00:00Z',
};

describe('what a held network request allows (src/shared decides, every surface asks)', () => {
  it('offers the four answers for a held request, in reading order', () => {
    const view = testView({ networkPending: [held] });
    expect(networkAnswers(view, held).map((state) => [state.answer, state.enabled])).toEqual([
      ['once', true],
      ['bottle', true],
      ['agent', true],
      ['deny', true],
    ]);
  });

  it('offers nothing for a request no longer held (answered elsewhere, timed out), and no agent answer without an agent', () => {
    expect(networkAnswers(testView({ networkPending: [] }), held)).toEqual([]);
    expect(networkAnswerState(testView({ networkPending: [held], agentName: null }), held, 'agent')).toBeNull();
  });

  it('waits, with the reason, while the engine (where the gateway runs) is away', () => {
    const states = networkAnswers(testView({ networkPending: [held] }), held, { engineAvailable: false });
    expect(states.every((state) => !state.enabled && state.reason === 'Docker is not running')).toBe(true);
  });

  it("the panel's keys come from the one answer table: distinct, and the agent-wide answer needs Shift", () => {
    const keys = NETWORK_ANSWER_TABLE.map((entry) => entry.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.map((key) => answerForKey(key))).toEqual(['once', 'bottle', 'agent', 'deny']);
    // `a` opens the panel from the list: pressed twice it must not allow a host for every bottle of the agent.
    expect(answerForKey('a')).toBeNull();
    expect(keyName('A')).toBe('Shift+A');
    expect(answerForKey('x')).toBeNull();
  });
});
