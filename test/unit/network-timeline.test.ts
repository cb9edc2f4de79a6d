import { describe, expect, it } from 'vitest';
import { NetworkTimeline } from '../../src/core/services/network-timeline';
import { readTimeline } from '../../src/core/timeline';
import type { NetworkRequest } from '../../src/shared/network-policy';
import { useTempHome } from '../helpers/temp-home';

useTempHome();
const IDENTITY = 'worker-abcde';

function held(id: string, host: string): NetworkRequest {
  return { id, identity: IDENTITY, host, port: 443, protocol: 'connect', at: '2026-12-04T10:00:00.000Z' };
}

describe('network requests on the timeline', () => {
  it('records each held request once, however often the held list is written, and each answer with its host', async () => {
    const warnings: string[] = [];
    const notes = new NetworkTimeline((message) => warnings.push(message));
    const a = held('n-1', 'example.com');
    const b = held('n-2', 'evil.example');
    await notes.held(IDENTITY, [a]);
    await notes.held(IDENTITY, [a, b]);
    await notes.held(IDENTITY, [a, b]);
    await notes.answered(IDENTITY, [a], true, 'once');
    await notes.answered(IDENTITY, [b], false, 'its rule evil.example');
    await notes.held(IDENTITY, []);
    const events = await readTimeline(IDENTITY);
    expect(events.map((event) => [event.kind, event.request?.id, event.decision ?? null, event.host])).toEqual([
      ['request', 'n-1', null, 'example.com:443'],
      ['request', 'n-2', null, 'evil.example:443'],
      ['decision', 'n-1', 'allowed', 'example.com:443'],
      ['decision', 'n-2', 'denied', 'evil.example:443'],
    ]);
    expect(events[3]).toMatchObject({ request: { type: 'network' }, reason: 'its rule evil.example' });
    expect(warnings).toEqual([]);
  });
});
