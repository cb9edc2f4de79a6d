import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistory } from '../../src/core/rebuild/journal';
import { bottlePaths } from '../../src/core/state/state-paths';
import { makeStateBottle, writeRequest } from '../helpers/rebuild-fixtures';
import { runCli, type CliResult } from '../helpers/run-cli';
import { useTempHome } from '../helpers/temp-home';

const home = useTempHome();
// The CLI bundle is built by the test global setup; runCli runs the real bin.
const cli = (...args: string[]): Promise<CliResult> => runCli(args, { CLAUDE_BOTTLE_HOME: home() });

describe('claude-bottle approve / reject (no engine needed for these paths)', () => {
  it.each([
    [['approve'], /expected one identity/],
    [['approve', 'Bad!'], /invalid bottle identity/],
    [['approve', 'ghost-zzzzz'], /no bottle ghost-zzzzz under/],
    [['reject', 'unit-abcde', '--bogus'], /Unknown option '--bogus'/],
    [['approve', 'unit-abcde'], /bottle unit-abcde has no pending request$/m],
    [['reject', 'unit-abcde', '--request', 'nope'], /has no pending request "nope"/],
  ])('%j fails with a one-line error', async (args, message) => {
    await makeStateBottle();
    const result = await cli(...args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reject picks the only pending request (read from the inbox) and answers the agent', async () => {
    const identity = await makeStateBottle();
    await writeRequest(identity, 'req-1-a');
    const result = await cli('reject', identity, '--message', 'not today');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`rejected req-1-a for ${identity}`);
    const response = JSON.parse(await readFile(join(bottlePaths(identity).inbox, 'req-1-a.response.json'), 'utf8')) as Record<string, unknown>;
    expect(response).toMatchObject({ status: 'rejected', message: 'The operator rejected this request: not today' });
    expect((await readHistory(identity)).map((entry) => entry.decision)).toEqual(['rejected']);
  });

  it('refuses to guess between several pending requests', async () => {
    const identity = await makeStateBottle();
    await writeRequest(identity, 'req-1-a');
    await writeRequest(identity, 'req-2-b');
    const result = await cli('approve', identity);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/2 pending requests \(req-1-a, req-2-b\); choose one with --request ID/);
    expect((await cli('reject', identity, '--request', 'req-2-b')).code).toBe(0);
  });
});
