import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { appendNetworkLog, readNetworkLog } from '../../src/core/state/network-log';
import { readNetworkPending, writeNetworkPending } from '../../src/core/state/network-pending';
import { readSettings } from '../../src/core/state/settings';
import { addAgentNetworkRule } from '../../src/core/state/settings-network';
import { bottlePaths, settingsPath } from '../../src/core/state/state-paths';
import type { NetworkLogEntry } from '../../src/shared/network-view';
import { useTempHome } from '../helpers/temp-home';

useTempHome();
const ID = 'dev-a4f8c';

function entry(n: number): NetworkLogEntry {
  return {
    time: new Date(1_800_000_000_000 + n).toISOString(),
    event: n % 2 === 0 ? 'end' : 'refused',
    host: `host-${n}.example`,
    port: 443,
    protocol: 'connect',
    decision: n % 2 === 0 ? 'allow' : 'deny',
    by: n % 2 === 0 ? 'rule' : 'mode',
    reason: null,
    bytesUp: n,
    bytesDown: 2 * n,
  };
}

describe("a bottle's connection log", () => {
  it('keeps every record in order, and the newest ones on request', async () => {
    await mkdir(bottlePaths(ID).dir, { recursive: true });
    await Promise.all([0, 1, 2, 3, 4].map((n) => appendNetworkLog(ID, entry(n))));
    expect(await readNetworkLog(ID, 100)).toEqual([0, 1, 2, 3, 4].map(entry));
    expect((await readNetworkLog(ID, 2)).map((record) => record.host)).toEqual(['host-3.example', 'host-4.example']);
  });

  it('is bounded on disk: past the cap it rotates to one .1 file, and the oldest records go', async () => {
    await mkdir(bottlePaths(ID).dir, { recursive: true });
    const cap = 2000;
    for (let n = 0; n < 100; n++) await appendNetworkLog(ID, entry(n), cap);
    const path = bottlePaths(ID).networkLog;
    expect((await stat(path)).size).toBeLessThanOrEqual(cap);
    expect((await stat(`${path}.1`)).size).toBeLessThanOrEqual(cap);
    const kept = await readNetworkLog(ID, 1000);
    // The newest survive whole and in order; far fewer than 100 are kept.
    expect(kept.at(-1)).toEqual(entry(99));
    expect(kept.length).toBeLessThan(40);
    expect(kept.map((record) => record.bytesUp)).toEqual([...kept.map((record) => record.bytesUp)].sort((a, b) => a - b));
  });

  it('is never written through a link planted in its place', async () => {
    await mkdir(bottlePaths(ID).dir, { recursive: true });
    const target = `${bottlePaths(ID).dir}/elsewhere`;
    await writeFile(target, 'untouched\n');
    await symlink(target, bottlePaths(ID).networkLog);
    await expect(appendNetworkLog(ID, entry(1))).rejects.toThrow();
    expect(await readFile(target, 'utf8')).toBe('untouched\n');
  });
});

describe("a bottle's held requests on disk", () => {
  it('reads back what the live core wrote, leaving out what the gateway has long timed out', async () => {
    await mkdir(bottlePaths(ID).dir, { recursive: true });
    const now = Date.now();
    const fresh = {
      id: 'p-2',
      identity: ID,
      host: 'example.com',
      port: 443,
      protocol: 'connect' as const,
      at: new Date(now - 1000).toISOString(),
    };
    const stale = { ...fresh, id: 'p-1', at: new Date(now - 60 * 60 * 1000).toISOString() };
    await writeNetworkPending(ID, [stale, fresh]);
    expect(await readNetworkPending(ID, now)).toEqual([fresh]);
    await writeNetworkPending(ID, []);
    expect(await readNetworkPending(ID, now)).toEqual([]);
  });

  it('gives a removed bottle no folder back', async () => {
    await writeNetworkPending('gone-zzzzz', []);
    await expect(stat(bottlePaths('gone-zzzzz').dir)).rejects.toThrow(/ENOENT/);
  });
});

describe('an "allow for this agent" answer in settings.json', () => {
  it("adds the rule and keeps every other key of the operator's, known or not", async () => {
    const own = {
      version: 1,
      maxPendingRequests: 7,
      gatewayNetwork: true,
      network: { deny: ['*.evil.example'], agents: { claude: { deny: ['Example.com:8443'] }, other: { allow: ['a.example'] } } },
    };
    await mkdir(bottlePaths(ID).dir, { recursive: true });
    await writeFile(settingsPath(), JSON.stringify(own, null, 4));
    await addAgentNetworkRule('claude', 'allow', 'EXAMPLE.com:8443');
    await addAgentNetworkRule('claude', 'allow', 'example.com:8443');
    const written = JSON.parse(await readFile(settingsPath(), 'utf8')) as unknown;
    expect(written).toEqual({
      ...own,
      // Taken out of deny (the latest answer wins), added once, in canonical text.
      network: { ...own.network, agents: { claude: { deny: [], allow: ['example.com:8443'] }, other: { allow: ['a.example'] } } },
    });
    expect((await readSettings()).maxPendingRequests).toBe(7);
  });

  it('refuses, and changes nothing, when the file does not parse or does not check', async () => {
    for (const text of ['{"network": {', '{"network": {"allow": ["no spaces allowed here"]}}', '{"surprise": true}']) {
      await writeFile(settingsPath(), text);
      await expect(addAgentNetworkRule('claude', 'allow', 'example.com:443')).rejects.toThrow(/settings\.json/);
      expect(await readFile(settingsPath(), 'utf8')).toBe(text);
    }
  });

  it('refuses a bad pattern or agent name before reading anything', async () => {
    await expect(addAgentNetworkRule('claude', 'allow', 'exa mple.com')).rejects.toThrow(/white space/);
    await expect(addAgentNetworkRule('../x', 'allow', 'example.com')).rejects.toThrow(/not an agent name/);
    await expect(stat(settingsPath())).rejects.toThrow();
  });
});
