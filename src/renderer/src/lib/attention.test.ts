import { describe, expect, it } from 'vitest';
import type { PendingRequestView } from '../../../shared/bottle-view';
import { testView } from '../../../../test/helpers/test-views';
import { attentionTitle, newRequests, waitingRequests } from './attention';

const request = (id: string): PendingRequestView => ({
  id,
  reason: '',
  createdAt: '',
  diff: '',
  currentDockerfile: '',
  proposedDockerfile: '',
  buildError: null,
  proposalHash: '',
  risks: [],
});

describe('attention signals', () => {
  it('puts the number waiting in the window title', () => {
    expect(attentionTitle(0)).toBe('Claude Bottle');
    expect(attentionTitle(1)).toBe('(1) approval waiting · Claude Bottle');
    expect(attentionTitle(12)).toBe('(12) approvals waiting · Claude Bottle');
  });

  it('tells each waiting request apart, so a new one from the same bottle is announced again', () => {
    const now = waitingRequests([
      testView({ identity: 'b-00002', pendingRequest: request('r2') }),
      testView({ identity: 'a-00001' }),
      testView({ identity: 'c-00003', pendingRequest: request('r1') }),
    ]);
    expect(now).toEqual(['b-00002 r2', 'c-00003 r1']);
    expect(newRequests(new Set(['c-00003 r1']), now)).toEqual(['b-00002 r2']);
    expect(newRequests(new Set(['b-00002 r1']), ['b-00002 r2'])).toEqual(['b-00002 r2']);
  });
});
