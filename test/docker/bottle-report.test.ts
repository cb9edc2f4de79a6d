import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_REPORT_DETAIL_CHARS, MAX_REPORT_MESSAGE_CHARS } from '../../src/shared/agent-reports';
import { inboxNames, runInBottle, startInBottle, useInbox } from '../helpers/bottle-tool-container';
import { eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runBottleTool } from '../helpers/rebuild-fixtures';

const BOTTLE_REPORT = join(import.meta.dirname, '..', '..', 'resources', 'bottle', 'bin', 'bottle-report');
const IN_BOTTLE = ['sh', '/opt/claude-bottle/bin/bottle-report'];
const inbox = useInbox();

async function readJson(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(inbox(), name), 'utf8')) as Record<string, unknown>;
}

/** The one question the tool asked, once it is there. */
async function question(): Promise<{ name: string; id: string }> {
  return eventually(async () => {
    const name = (await inboxNames(inbox())).find((each) => /^perm-\d+-[0-9a-f]+\.json$/.test(each));
    if (name === undefined) throw new Error('no question yet');
    return { name, id: name.slice(0, -'.json'.length) };
  });
}

describe.skipIf(skipWithoutDocker)('bottle-report in a busybox bottle (uid 1000)', () => {
  it('status: replaces .agent-status with the report, escaped as JSON, and nothing else', async () => {
    const detail = 'npm "test" \\ --watch=false';
    const message = 'All green.\n\tNext: the docs, é';
    for (const state of ['working', 'waiting']) {
      const result = await runInBottle(inbox(), [
        ...IN_BOTTLE,
        'status',
        state,
        '--tool',
        'Bash',
        '--detail',
        detail,
        '--message',
        message,
      ]);
      expect(result, result.output).toMatchObject({ exitCode: 0, output: '' });
    }
    expect(await inboxNames(inbox())).toEqual(['.agent-status']);
    const status = await readJson('.agent-status');
    expect(status).toEqual({ version: 1, state: 'waiting', tool: 'Bash', detail, message, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('permission: asks with a request file, prints the answer and clears both files', async () => {
    const run = await startInBottle(inbox(), [
      ...IN_BOTTLE,
      'permission',
      '--tool',
      'Bash',
      '--detail',
      'npm test',
      '--input',
      '{"command":"npm test"}',
      '--reason',
      'run the tests',
    ]);
    const { name, id } = await question();
    expect(await readJson(name)).toEqual({
      version: 1,
      id,
      created_at: expect.stringMatching(/Z$/),
      kind: 'permission',
      tool: 'Bash',
      detail: 'npm test',
      input: '{"command":"npm test"}',
      reason: 'run the tests',
    });
    const answer = { version: 1, id, status: 'approved', message: 'go ahead', remember: true };
    await writeFile(join(inbox(), `${id}.response.json`), JSON.stringify(answer));
    const result = await run.done;
    expect(result.exitCode, result.output).toBe(0);
    expect(JSON.parse(result.output)).toEqual(answer);
    expect(await inboxNames(inbox())).toEqual([]);
  });

  it('permission: withdraws its question when --timeout passes (exit 3) and when killed (exit 130)', async () => {
    const timedOut = await runInBottle(inbox(), [...IN_BOTTLE, 'permission', '--tool', 'Edit', '--timeout', '1']);
    expect(timedOut.exitCode).toBe(3);
    expect(timedOut.output).toContain('no answer within 1 seconds; the question is withdrawn');
    expect(await inboxNames(inbox())).toEqual([]);

    const run = await startInBottle(inbox(), [...IN_BOTTLE, 'permission', '--tool', 'Bash', '--detail', 'rm -rf build']);
    await question();
    await run.signal('SIGTERM');
    expect((await run.done).exitCode).toBe(130);
    expect(await inboxNames(inbox())).toEqual([]);
  });

  it('refuses hostile or malformed arguments with one line, writing nothing', async () => {
    const refused: [string[], RegExp][] = [
      [['status', 'hacking'], /unknown state: hacking/],
      [['status'], /status needs a STATE/],
      [['status', 'working', '--detail', 'a\nb'], /--detail must be one line/],
      [['status', 'working', '--detail', 'x'.repeat(MAX_REPORT_DETAIL_CHARS + 1)], /--detail is too long/],
      [['status', 'waiting', '--message', 'clear \u001b[2J screen'], /--message must not hold control characters/],
      [['status', 'waiting', '--message', 'csi \u009b2J'], /--message must not hold control characters/],
      [['status', 'waiting', '--message', 'y'.repeat(MAX_REPORT_MESSAGE_CHARS + 1)], /--message is too long/],
      [['status', 'working', '--tool', 'Bash; rm -rf /'], /--tool must be a name/],
      [['status', 'working', '--input', '{}'], /--input is not an option of status/],
      [['permission', '--detail', 'npm test'], /permission needs --tool NAME/],
      [['permission', '--tool', 'Bash', '--timeout', '1; reboot'], /--timeout must be a whole number/],
      [['permission', '--tool', 'Bash', '--message', 'hi'], /--message is not an option of permission/],
      [['launch', 'missiles'], /unknown command: launch/],
    ];
    for (const [args, error] of refused) {
      const result = await runBottleTool(BOTTLE_REPORT, inbox(), args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(error);
      expect(result.stderr.trim().split('\n').at(-1)).toMatch(/^bottle-report: /);
    }
    expect(await inboxNames(inbox())).toEqual([]);
  });

  it('writes the same report under dash and GNU tools (the Debian-based claude image)', async () => {
    const result = await runBottleTool(BOTTLE_REPORT, inbox(), ['status', 'finished', '--message', 'tab\there "q"'], 'debian');
    expect(result.code, result.stderr).toBe(0);
    expect(await readJson('.agent-status')).toMatchObject({ version: 1, state: 'finished', message: 'tab\there "q"' });
  });
});
