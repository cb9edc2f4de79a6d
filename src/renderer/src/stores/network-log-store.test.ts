import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_NETWORK_LOG_LINES, type NetworkLogEntry, type NetworkLogView } from '../../../shared/network-view';
import { useNetworkLogStore } from './network-log-store';

const ID = 'dev-abcde';
/** The `network:log` read in flight: the test answers it when it chooses. */
let answer: ((view: NetworkLogView) => void) | null = null;
let reads = 0;

function entry(second: number, host = 'api.example.com'): NetworkLogEntry {
  return {
    time: new Date(Date.UTC(2026, 11, 3, 9, 0, second)).toISOString(),
    event: 'end',
    host,
    port: 443,
    protocol: 'connect',
    decision: 'allow',
    by: 'rule',
    reason: null,
    bytesUp: 1,
    bytesDown: 2,
  };
}

const state = (): ReturnType<typeof useNetworkLogStore.getState> => useNetworkLogStore.getState();
const hosts = (): string[] => (state().byIdentity[ID]?.entries ?? []).map((row) => `${row.host}@${row.time.slice(17, 19)}`);

beforeEach(() => {
  answer = null;
  reads = 0;
  (globalThis as unknown as { window: unknown }).window = {
    claudeBottle: {
      invoke: (channel: string): Promise<unknown> => {
        expect(channel).toBe('network:log');
        reads += 1;
        return new Promise((resolve) => (answer = resolve));
      },
    },
  };
  // Every tab of an earlier test closed.
  for (const identity of Object.keys(state().byIdentity)) for (let times = 0; times < 3; times += 1) state().close(identity);
});

async function answerRead(view: NetworkLogView): Promise<void> {
  expect(answer).not.toBeNull();
  answer?.(view);
  await new Promise((resolve) => setTimeout(resolve, 0));
}

describe("the Network tab's store", () => {
  it('ignores records of a bottle whose tab is not open', () => {
    state().appended(ID, entry(1));
    expect(state().byIdentity[ID]).toBeUndefined();
  });

  it('keeps records pushed during the first read, once each, after what the read returned', async () => {
    state().open(ID);
    expect(state().byIdentity[ID]?.loading).toBe(true);
    // Pushed while the file is read: the read may already hold the first (written before it read), not the second.
    state().appended(ID, entry(2, 'in-both.example'));
    state().appended(ID, entry(3, 'only-pushed.example'));
    await answerRead({ entries: [entry(1), entry(2, 'in-both.example')], gatewayOn: true });
    expect(hosts()).toEqual(['api.example.com@01', 'in-both.example@02', 'only-pushed.example@03']);
    expect(state().byIdentity[ID]).toMatchObject({ loading: false, gatewayOn: true, error: null });

    // Then every pushed record goes at the end.
    state().appended(ID, entry(4));
    expect(hosts().at(-1)).toBe('api.example.com@04');
  });

  it('a record pushed says the gateway is on, whatever the first read said', async () => {
    state().open(ID);
    await answerRead({ entries: [], gatewayOn: false });
    expect(state().byIdentity[ID]?.gatewayOn).toBe(false);
    state().appended(ID, entry(1));
    expect(state().byIdentity[ID]?.gatewayOn).toBe(true);
  });

  it('holds at most the newest MAX_NETWORK_LOG_LINES records', async () => {
    state().open(ID);
    await answerRead({ entries: Array.from({ length: MAX_NETWORK_LOG_LINES }, (_unused, index) => entry(index % 60)), gatewayOn: true });
    state().appended(ID, entry(59, 'newest.example'));
    const entries = state().byIdentity[ID]?.entries ?? [];
    expect(entries).toHaveLength(MAX_NETWORK_LOG_LINES);
    expect(entries.at(-1)?.host).toBe('newest.example');
  });

  it('reads once for two tabs of the same bottle, and forgets it when the last closes', async () => {
    state().open(ID);
    state().open(ID);
    expect(reads).toBe(1);
    await answerRead({ entries: [entry(1)], gatewayOn: true });
    state().close(ID);
    expect(state().byIdentity[ID]?.entries).toHaveLength(1);
    state().close(ID);
    expect(state().byIdentity[ID]).toBeUndefined();
    state().appended(ID, entry(2));
    expect(state().byIdentity[ID]).toBeUndefined();
  });
});
