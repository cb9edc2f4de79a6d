import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_REPORT_MESSAGE_CHARS } from '../../src/shared/agent-reports';
import { inboxNames, startInBottle, useInbox } from '../helpers/bottle-tool-container';
import { eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { ensureTestNodeBaseImage, TEST_NODE_BASE_IMAGE } from '../helpers/node-base-image';
import { rawDocker } from '../helpers/raw-docker';

/*
 * claude-bottle-hook run as Claude Code runs a command hook: a child process with the event's JSON
 * on stdin (payloads shaped as sdk.d.ts's *HookInput), killed with SIGTERM when it is to stop, its
 * stdout read as its answer. Here in a node container with the tool and an inbox mounted as in a bottle.
 */

const inbox = useInbox();
const HOOK = '/opt/claude-bottle/bin/claude-bottle-hook';
/** Claude Code's side: spawn the hook, feed it, pass SIGTERM on, print what came back. */
const RUNNER = `
const { spawn } = require('node:child_process');
const child = spawn('/usr/bin/node', ['${HOOK}', process.argv[1]]);
let stdout = '', stderr = '';
child.stdout.on('data', (c) => (stdout += c));
child.stderr.on('data', (c) => (stderr += c));
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('close', (code) => process.stdout.write(JSON.stringify({ code, stdout, stderr })));
child.stdin.end(process.argv[2]);
`;
const BASE = { session_id: 'c0ffee', transcript_path: '/nowhere.jsonl', cwd: '/workspace', permission_mode: 'default' };

interface HookResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function startHook(event: string, payload: unknown): Promise<{ done: Promise<HookResult>; signal: (name: string) => Promise<void> }> {
  const text = typeof payload === 'string' ? payload : JSON.stringify({ ...BASE, hook_event_name: event, ...(payload as object) });
  const run = await startInBottle(inbox(), ['/usr/bin/node', '-e', RUNNER, event, text], TEST_NODE_BASE_IMAGE);
  return {
    signal: run.signal,
    done: run.done.then(({ exitCode, output }) => {
      if (exitCode !== 0) throw new Error(`the runner failed: ${output}`);
      return JSON.parse(output) as HookResult;
    }),
  };
}

async function hook(event: string, payload: unknown): Promise<HookResult> {
  return (await startHook(event, payload)).done;
}

async function status(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(inbox(), '.agent-status'), 'utf8')) as Record<string, unknown>;
}

async function question(): Promise<{ id: string; request: Record<string, unknown> }> {
  return eventually(async () => {
    const name = (await inboxNames(inbox())).find((each) => each.startsWith('perm-') && !each.endsWith('.response.json'));
    if (name === undefined) throw new Error('no question yet');
    return {
      id: name.slice(0, -'.json'.length),
      request: JSON.parse(await readFile(join(inbox(), name), 'utf8')) as Record<string, unknown>,
    };
  });
}

async function answer(id: string, fields: Record<string, unknown>): Promise<void> {
  await writeFile(join(inbox(), `.x-${id}`), JSON.stringify({ version: 1, id, ...fields }));
  await rename(join(inbox(), `.x-${id}`), join(inbox(), `${id}.response.json`));
}

const SUGGESTIONS = [
  { type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: 'npm test:*' }], behavior: 'allow', destination: 'localSettings' },
];
const PERMISSION = {
  tool_name: 'Bash',
  tool_input: { command: 'npm test', description: 'Run the test suite' },
  permission_suggestions: SUGGESTIONS,
};

beforeAll(async () => {
  if (!skipWithoutDocker) await ensureTestNodeBaseImage(rawDocker());
});

describe.skipIf(skipWithoutDocker)("claude-bottle-hook maps Claude Code's hook payloads to reports", () => {
  it('PreToolUse and PostToolUse: working, with the command or the file on one line', async () => {
    const pre = await hook('PreToolUse', { tool_name: 'Bash', tool_input: { command: 'npm test\n&& rm -rf /' }, tool_use_id: 't1' });
    expect(pre).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await status()).toMatchObject({ version: 1, state: 'working', tool: 'Bash', detail: 'npm test && rm -rf /' });
    await hook('PostToolUse', {
      tool_name: 'Edit',
      tool_input: { file_path: '/workspace/src/a.ts' },
      tool_response: {},
      tool_use_id: 't2',
    });
    expect(await status()).toMatchObject({ state: 'working', tool: 'Edit', detail: '/workspace/src/a.ts' });
  });

  it('Stop: waiting, with the last message (control characters out, cut to the cap); idle_prompt keeps it', async () => {
    const long = `Done.\u001b[2J ${'x'.repeat(MAX_REPORT_MESSAGE_CHARS)}`;
    await hook('Stop', { stop_hook_active: false, last_assistant_message: long });
    const stopped = await status();
    expect(stopped).toMatchObject({ state: 'waiting' });
    expect(stopped.message).toMatch(/^Done\. \[2J x+$/);
    expect((stopped.message as string).length).toBe(MAX_REPORT_MESSAGE_CHARS);
    await hook('Notification', { message: 'Claude is waiting for your input', notification_type: 'idle_prompt' });
    expect((await status()).message).toBe(stopped.message);
  });

  it("Stop without last_assistant_message: the transcript's last assistant text", async () => {
    const lines = [
      { type: 'user', message: { role: 'user', content: 'hi' } },
      {
        type: 'assistant',
        message: {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Tests pass.' },
            { type: 'tool_use', id: 'x' },
          ],
        },
      },
      { type: 'system', subtype: 'turn_duration' },
    ];
    await writeFile(join(inbox(), '.transcript.jsonl'), `${lines.map((line) => JSON.stringify(line)).join('\n')}\n{"half`);
    await hook('Stop', { stop_hook_active: false, transcript_path: '/run/claude-bottle/inbox/.transcript.jsonl' });
    expect(await status()).toMatchObject({ state: 'waiting', message: 'Tests pass.' });
  });

  it('Notification permission_prompt: permission; SessionEnd: exited with the reason', async () => {
    await hook('Notification', { message: 'Claude needs your permission to use Bash', notification_type: 'permission_prompt' });
    expect(await status()).toMatchObject({ state: 'permission', message: 'Claude needs your permission to use Bash' });
    await hook('SessionEnd', { reason: 'prompt_input_exit' });
    expect(await status()).toMatchObject({ state: 'exited', detail: 'prompt_input_exit' });
  });

  it('PermissionRequest: asks the inbox, then answers allow, allow for good, or deny with the message', async () => {
    const cases: [Record<string, unknown>, unknown][] = [
      [{ status: 'approved' }, { behavior: 'allow' }],
      [
        { status: 'approved', remember: true },
        { behavior: 'allow', updatedPermissions: SUGGESTIONS },
      ],
      [
        { status: 'rejected', message: 'Not on main, please' },
        { behavior: 'deny', message: 'Not on main, please' },
      ],
    ];
    for (const [reply, decision] of cases) {
      const run = await startHook('PermissionRequest', PERMISSION);
      const { id, request } = await question();
      expect(request).toEqual({
        version: 1,
        id,
        created_at: expect.stringMatching(/Z$/),
        kind: 'permission',
        tool: 'Bash',
        detail: 'npm test',
        input: JSON.stringify(PERMISSION.tool_input),
        reason: 'Run the test suite',
      });
      expect(await status()).toMatchObject({ state: 'permission', tool: 'Bash', detail: 'npm test' });
      await answer(id, reply);
      const result = await run.done;
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision } });
      expect(await inboxNames(inbox())).toEqual(['.agent-status']);
      expect(await status()).toMatchObject({ state: 'working', tool: 'Bash' });
    }
  });

  it("PermissionRequest: an error answer leaves Claude Code's own dialog (no output); SIGTERM withdraws the question", async () => {
    const run = await startHook('PermissionRequest', PERMISSION);
    await answer((await question()).id, { status: 'error', message: 'too many questions waiting' });
    const errored = await run.done;
    expect(errored).toMatchObject({ code: 0, stdout: '' });
    expect(errored.stderr).toContain('too many questions waiting');

    const killed = await startHook('PermissionRequest', PERMISSION);
    await question();
    await killed.signal('SIGTERM');
    expect(await killed.done).toMatchObject({ code: 0, stdout: '' });
    expect(await inboxNames(inbox())).toEqual(['.agent-status']);
  });

  it('never breaks Claude Code: a payload that is not JSON is exit 0, no output, one line on stderr, no report', async () => {
    const garbage = await hook('Stop', 'not json {');
    expect(garbage.code).toBe(0);
    expect(garbage.stdout).toBe('');
    expect(garbage.stderr.trim().split('\n')).toHaveLength(1);
    expect(await inboxNames(inbox())).toEqual([]);
  });
});
