import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NetworkLogEntry } from '../../src/shared/network-view';
import { runCli, type CliResult } from '../helpers/run-cli';
import { useTempHome } from '../helpers/temp-home';

/*
 * `claude-bottle net <id> --log [--json]` (issue 19) on a bottle's log as the gateway wrote it: one
 * readable line a record, or JSON Lines with --json; a host the agent chose cannot drive the
 * terminal; an unknown bottle is an error, not an empty log. No engine: the log is a file.
 */

const home = useTempHome();
const cli = (...args: string[]): Promise<CliResult> => runCli(args, { CLAUDE_BOTTLE_HOME: home() });
const ID = 'net-abcde';

const RECORDS: NetworkLogEntry[] = [
  {
    time: '2026-12-03T14:01:02.003Z',
    event: 'end',
    host: 'api.anthropic.com',
    port: 443,
    protocol: 'connect',
    decision: 'allow',
    by: 'rule',
    reason: 'agent: api.anthropic.com:443',
    bytesUp: 2345,
    bytesDown: 1234567,
  },
  {
    time: '2026-12-03T14:01:05.000Z',
    event: 'refused',
    // An escape sequence in a name the agent asked for: retitles the window if printed raw.
    host: 'evil.example\u001b]0;owned\u0007',
    port: 80,
    protocol: 'http',
    decision: 'deny',
    by: 'mode',
    reason: 'the bottle is locked',
    bytesUp: 0,
    bytesDown: 0,
  },
  {
    time: '2026-12-03T14:01:06.000Z',
    event: 'refused',
    host: '2001:db8::1',
    port: 22,
    protocol: 'connect',
    decision: 'deny',
    by: 'operator',
    reason: 'refused by the operator',
    bytesUp: 0,
    bytesDown: 0,
  },
];

async function seed(records: NetworkLogEntry[]): Promise<void> {
  const dir = join(home(), 'state', ID);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'metadata.json'),
    JSON.stringify({ identity: ID, agent_name: 'claude', cwd: '/tmp', copy_cwd: true, started_at: '2026-12-03T14:00:00Z' }),
  );
  await writeFile(join(dir, 'network-log.jsonl'), records.map((record) => `${JSON.stringify(record)}\n`).join(''));
}

describe('claude-bottle net --log', () => {
  it('prints one line a record: when, decided by whom, protocol, destination, bytes each way, the reason', async () => {
    await seed(RECORDS);
    const result = await cli('net', ID, '--log');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')).toEqual([
      '2026-12-03T14:01:02.003Z  allowed by rule      connect api.anthropic.com:443  ↑ 2.3 KiB  ↓ 1.2 MiB  (agent: api.anthropic.com:443)',
      '2026-12-03T14:01:05.000Z  refused by mode      http    evil.example\\x1b]0;owned\\x07:80  (the bottle is locked)',
      '2026-12-03T14:01:06.000Z  refused by operator  connect [2001:db8::1]:22  (refused by the operator)',
      '',
    ]);
    expect(result.stdout).not.toContain('\u001b');
  });

  it('--json prints JSON Lines, the records as written, with nothing a terminal obeys; --limit keeps the newest', async () => {
    await seed(RECORDS);
    const result = await cli('net', ID, '--log', '--json');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('\u001b');
    const lines = result.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(RECORDS);
    const newest = await cli('net', ID, '--log', '--json', '--limit', '1');
    expect(
      newest.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([RECORDS[2]]);
  });

  it("a `lost` line (records the gateway's backlog dropped while no app or serve recorded) says how many, with no destination", async () => {
    await seed([
      {
        time: '2026-12-03T14:02:00.000Z',
        event: 'lost',
        host: '',
        port: 0,
        protocol: 'connect',
        decision: 'deny',
        by: 'limit',
        reason: "3 connection records lost: the gateway's backlog was full while no app or serve was recording",
        bytesUp: 0,
        bytesDown: 0,
      },
    ]);
    expect((await cli('net', ID, '--log')).stdout).toBe(
      "2026-12-03T14:02:00.000Z  lost                 3 connection records lost: the gateway's backlog was full while no app or serve was recording\n",
    );
  });

  it('an empty log: a sentence, or nothing at all with --json', async () => {
    await seed([]);
    expect((await cli('net', ID, '--log')).stdout).toBe(`no connections on record for ${ID}\n`);
    const json = await cli('net', ID, '--log', '--json');
    expect(json).toMatchObject({ code: 0, stdout: '' });
  });

  it('an unknown bottle or a bad limit is a one-line error', async () => {
    const unknown = await cli('net', 'ghost-zzzzz', '--log', '--json');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^claude-bottle: no bottle ghost-zzzzz \(no container, no state under .*\)\n$/);
    const limit = await cli('net', ID, '--log', '--limit', '0');
    expect(limit.stderr).toMatch(/--limit must be a whole number from 1 to 5000/);
  });
});
