import { describe, expect, it } from 'vitest';
import type { PendingRequestView } from '../../../shared/bottle-view';
import type { NetworkRequest } from '../../../shared/network-policy';
import { announcements, waitingRequests } from '../../../shared/waiting-requests';
import { testView } from '../../../../test/helpers/test-views';
import { attentionTitle, newRequests } from './attention';

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

const held = (id: string, host: string, port = 443, at = `2026-12-03T10:00:0${id.slice(-1)}Z`): NetworkRequest => ({
  id,
  identity: 'n-00004',
  host,
  port,
  protocol: 'connect',
  at,
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
    expect(now.map((waiting) => waiting.key)).toEqual(['b-00002 r2', 'c-00003 r1']);
    expect(newRequests(new Set(['c-00003 r1']), now).map((waiting) => waiting.key)).toEqual(['b-00002 r2']);
    expect(newRequests(new Set(['b-00002 r1']), [{ key: 'b-00002 r2' }])).toEqual([{ key: 'b-00002 r2' }]);
  });

  it('counts every held network connection as a waiting request, beside the Dockerfile request', () => {
    const now = waitingRequests([
      testView({ identity: 'n-00004', networkPending: [held('g1', 'example.com'), held('g2', 'pypi.org')] }),
      testView({ identity: 'm-00005', pendingRequest: request('r9'), networkPending: [held('g3', 'example.org', 80)] }),
    ]);
    expect(now.map((waiting) => waiting.key)).toEqual(['m-00005 net:g3', 'm-00005 r9', 'n-00004 net:g1', 'n-00004 net:g2']);
    expect(attentionTitle(now.length)).toBe('(4) approvals waiting · Claude Bottle');
  });

  it('words a held connection as "wants to reach HOST:PORT", and makes one notification of a flood of them', () => {
    const one = announcements(waitingRequests([testView({ identity: 'n-00004', networkPending: [held('g1', 'example.com')] })]), () => '');
    expect(one).toEqual([
      expect.objectContaining({ identity: 'n-00004', title: 'n-00004 wants to reach example.com:443', tag: 'n-00004 net:g1' }),
    ]);
    const flood = Array.from({ length: 150 }, (_, i) =>
      held(`g${i}`, `h${i}.example.com`, 443, `2026-12-03T10:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}Z`),
    );
    const many = announcements(
      waitingRequests([
        testView({ identity: 'n-00004', networkPending: flood }),
        testView({ identity: 'd-00006', pendingRequest: { ...request('r1'), reason: 'needs \u001b[31mgcc' } }),
      ]),
      (identity) => (identity === 'd-00006' ? 'needs \u001b[31mgcc' : ''),
    );
    expect(many).toHaveLength(2);
    expect(many.map((announcement) => announcement.title)).toEqual([
      'd-00006 needs approval',
      'n-00004 wants to reach h0.example.com:443 and 149 more',
    ]);
    expect(many[0]?.body).toBe('needs \\x1b[31mgcc');
    // The host is the agent's text: escaped as everywhere else.
    const hostile = announcements(
      waitingRequests([testView({ identity: 'n-00004', networkPending: [held('g1', 'evil\u202e.com')] })]),
      () => '',
    );
    expect(hostile[0]?.title).not.toContain('\u202e');
  });
});
