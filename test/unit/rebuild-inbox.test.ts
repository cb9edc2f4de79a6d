import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processInbox } from '../../src/core/rebuild/process-inbox';
import { composeProposedDockerfile, dockerfileDiff } from '../../src/core/rebuild/proposal';
import { parseCapabilityRequest } from '../../src/core/rebuild/request-schema';
import { readHistory } from '../../src/core/rebuild/journal';
import { rebuildViewFields } from '../../src/core/rebuild/view-fields';
import { listPendingRecords, toPendingView } from '../../src/core/rebuild/rebuild-store';
import { bottlePaths } from '../../src/core/state/state-paths';
import { AGENT_DOCKERFILE, makeStateBottle, requestJson, runCapabilityBlock, writeRequest } from '../helpers/rebuild-fixtures';
import { useTempHome } from '../helpers/temp-home';

const home = useTempHome();

async function responseOf(identity: string, stem: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(bottlePaths(identity).inbox, `${stem}.response.json`), 'utf8')) as Record<string, unknown>;
}

describe('proposal', () => {
  it('appends one RUN line per --run command to the current Dockerfile', () => {
    const request = { version: 1 as const, id: 'r', created_at: 't', reason: 'x', run: ['apk add jq', 'echo hi'] };
    expect(composeProposedDockerfile(request, 'FROM a')).toBe('FROM a\nRUN apk add jq\nRUN echo hi\n');
    expect(composeProposedDockerfile(request, 'FROM a\n')).toBe('FROM a\nRUN apk add jq\nRUN echo hi\n');
    // An image that ends as a non-root user gets the RUN lines as root, then switches back.
    expect(composeProposedDockerfile(request, 'FROM node\nUSER node\nWORKDIR /w\n')).toBe(
      'FROM node\nUSER node\nWORKDIR /w\nUSER root\nRUN apk add jq\nRUN echo hi\nUSER node\n',
    );
    expect(composeProposedDockerfile(request, 'FROM a\nUSER root\n')).toBe('FROM a\nUSER root\nRUN apk add jq\nRUN echo hi\n');
  });

  it('takes a whole Dockerfile as is', () => {
    expect(composeProposedDockerfile({ version: 1, id: 'r', created_at: 't', reason: 'x', dockerfile: 'FROM b\n' }, 'FROM a\n')).toBe(
      'FROM b\n',
    );
  });

  it('gives a unified diff', () => {
    const diff = dockerfileDiff('FROM a\n', 'FROM a\nRUN x\n');
    expect(diff).toContain('--- Dockerfile\tcurrent');
    expect(diff).toContain('+++ Dockerfile\tproposed');
    expect(diff).toContain('@@ -1,1 +1,2 @@');
    expect(diff).toContain('+RUN x');
  });
});

describe('request schema', () => {
  const base = { version: 1, id: 'req-1-a', created_at: 't', reason: 'r' };
  it.each([
    ['both forms', { ...base, run: ['x'], dockerfile: 'FROM a' }, /exactly one/],
    ['neither form', base, /exactly one/],
    ['version 2', { ...base, version: 2, run: ['x'] }, /version/],
    ['an unknown key', { ...base, run: ['x'], extra: 1 }, /invalid request/],
    ['a path as id', { ...base, id: '../../etc/x', run: ['x'] }, /"id"/],
    ['a hidden id', { ...base, id: '.hidden', run: ['x'] }, /"id"/],
    ['a blank reason', { ...base, reason: '  ', run: ['x'] }, /"reason"/],
    ['a 2,001-character reason', { ...base, reason: 'r'.repeat(2001), run: ['x'] }, /2000/],
    ['a RUN with a newline', { ...base, run: ['a\nFROM evil'] }, /"run.0"/],
    [
      'a RUN ending in a backslash (it would swallow the USER after it)',
      { ...base, run: ['echo pwned \\'] },
      /"run.0": must not end with a backslash/,
    ],
    ['a RUN ending in a backslash and spaces', { ...base, run: ['ok', 'echo pwned \\   '] }, /"run.1": must not end with a backslash/],
    ['a RUN with a carriage return', { ...base, run: ['echo a\rUSER root'] }, /"run.0": must be one line/],
    ['a RUN with an escape sequence', { ...base, run: ['echo \u001b[2J'] }, /"run.0": must be one line/],
    ['a RUN with a C1 control', { ...base, run: ['echo \u0085x'] }, /"run.0": must be one line/],
    ['a RUN with a Unicode line separator', { ...base, run: ['echo a\u2028USER root'] }, /"run.0": must be one line/],
    ['a RUN opening a heredoc', { ...base, run: ['cat <<EOF'] }, /"run.0": must not open a heredoc/],
    ['an empty run list', { ...base, run: [] }, /"run"/],
    ['a NUL in the Dockerfile', { ...base, dockerfile: 'FROM a\u0000' }, /NUL/],
    ['an array', [], /object/],
  ])('refuses %s', (_name, value, message) => {
    const result = parseCapabilityRequest(value);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(message);
  });

  it('accepts ordinary one-line commands, backslashes inside them, here-strings and shifts', () => {
    for (const command of [
      'apt-get install -y jq',
      "printf 'a\\nb' > /x",
      'grep -E "a|b" <<< "$x"',
      'echo $((1<<4))',
      'echo done # \\ not at the end',
    ]) {
      expect(parseCapabilityRequest({ ...base, run: [command] }).ok).toBe(true);
    }
  });

  it('refuses a RUN ending in the escape character a Dockerfile chose', () => {
    const request = { version: 1 as const, id: 'r', created_at: 't', reason: 'x', run: ['echo pwned `'] };
    expect(() => composeProposedDockerfile(request, '# escape=`\nFROM a\nUSER node\n')).toThrow(/must not end with `/);
    expect(composeProposedDockerfile(request, 'FROM a\n')).toBe('FROM a\nRUN echo pwned `\n');
  });

  it('accepts a 2,000-character reason', () => {
    expect(parseCapabilityRequest({ ...base, reason: 'é'.repeat(2000), run: ['x'] }).ok).toBe(true);
  });
});

describe('processInbox', () => {
  it('turns a capability-block request into a pending request with the diff', async () => {
    const identity = await makeStateBottle();
    expect(
      (await runCapabilityBlock(bottlePaths(identity).inbox, ['--reason', 'need a marker', '--run', 'echo built > /opt/marker'])).code,
    ).toBe(0);
    expect(await processInbox(identity)).toBe(true);
    const view = await rebuildViewFields(identity);
    expect(view.warnings).toEqual([]);
    expect(view.historyCount).toBe(0);
    expect(view.pendingCount).toBe(1);
    // The view carries a summary; the full request is read for the one being reviewed.
    expect(Object.keys(view.pendingRequest ?? {}).sort()).toEqual(['buildError', 'createdAt', 'id', 'reason']);
    expect(view.pendingRequest).toMatchObject({ reason: 'need a marker', buildError: null });
    expect(view.pendingRequest?.id).toMatch(/^req-/);
    const [full] = (await listPendingRecords(identity)).map(toPendingView);
    expect(full).toMatchObject({
      currentDockerfile: AGENT_DOCKERFILE,
      proposedDockerfile: `${AGENT_DOCKERFILE}RUN echo built > /opt/marker\n`,
      risks: [],
    });
    expect(full?.diff).toContain('+RUN echo built > /opt/marker');
    expect(full?.proposalHash).toMatch(/^[0-9a-f]{64}$/);
    // Pending is on disk, not in memory: a second pass (or a restarted app) changes nothing.
    expect(await processInbox(identity)).toBe(false);
    expect((await rebuildViewFields(identity)).pendingRequest?.id).toBe(view.pendingRequest?.id);
    // No answer yet: the agent waits for the operator.
    expect((await readdir(bottlePaths(identity).inbox)).filter((name) => name.endsWith('.response.json'))).toEqual([]);
  });

  it('shows the oldest of several pending requests', async () => {
    const identity = await makeStateBottle();
    await writeRequest(identity, 'req-1-a');
    await processInbox(identity);
    await writeRequest(identity, 'req-2-b', { dockerfile: 'FROM other\n' });
    await processInbox(identity);
    expect((await rebuildViewFields(identity)).pendingRequest?.id).toBe('req-1-a');
  });

  it('ignores responses, temp files and non-JSON names', async () => {
    const identity = await makeStateBottle();
    const inbox = bottlePaths(identity).inbox;
    await writeFile(join(inbox, 'x.response.json'), '{}');
    await writeFile(join(inbox, '.tmp-req-1.json'), 'partial');
    await writeFile(join(inbox, 'notes.txt'), 'hello');
    expect(await processInbox(identity)).toBe(false);
    expect(await rebuildViewFields(identity)).toEqual({
      pendingRequest: null,
      pendingCount: 0,
      warnings: [],
      historyCount: 0,
      permissionPending: [],
    });
  });

  describe('treats the inbox as hostile', () => {
    const SECRET = 'TOP-SECRET-HOST-CONTENT';

    async function expectRefused(identity: string, file: string, message: RegExp): Promise<void> {
      const view = await rebuildViewFields(identity);
      expect(view.pendingRequest).toBeNull();
      const warning = view.warnings.find((entry) => entry.file === file);
      expect(warning?.message).toMatch(message);
      const stem = file.replace(/\.json$/, '');
      const response = await responseOf(identity, stem);
      expect(response).toMatchObject({ version: 1, id: stem, status: 'error' });
      expect(String(response.message)).toMatch(message);
      const history = await readHistory(identity);
      expect(history.find((entry) => entry.requestId === stem)?.decision).toBe('invalid-request');
      // Nothing of a refused file ever lands anywhere we show.
      for (const text of [JSON.stringify(view), JSON.stringify(response), JSON.stringify(history)]) expect(text).not.toContain(SECRET);
    }

    it('never follows a symlink to a file outside the inbox', async () => {
      const identity = await makeStateBottle();
      const outside = join(home(), 'outside-secret.json');
      await writeFile(outside, requestJson('link', { reason: SECRET, run: ['true'] }));
      const before = await stat(outside);
      await symlink(outside, join(bottlePaths(identity).inbox, 'link.json'));
      expect(await processInbox(identity)).toBe(true);
      await expectRefused(identity, 'link.json', /symbolic link/);
      const after = await stat(outside);
      expect(after.mtimeMs).toBe(before.mtimeMs);
      expect(await readFile(outside, 'utf8')).toContain(SECRET);
    });

    it('never opens a FIFO (it would block)', async () => {
      const identity = await makeStateBottle();
      execFileSync('mkfifo', [join(bottlePaths(identity).inbox, 'pipe.json')]);
      const started = Date.now();
      expect(await processInbox(identity)).toBe(true);
      expect(Date.now() - started).toBeLessThan(2000);
      await expectRefused(identity, 'pipe.json', /FIFO/);
    });

    it('refuses a 10 MB file without reading it', async () => {
      const identity = await makeStateBottle();
      await writeFile(join(bottlePaths(identity).inbox, 'big.json'), Buffer.alloc(10 * 1024 * 1024, 0x20));
      await processInbox(identity);
      await expectRefused(identity, 'big.json', /larger than 65536 bytes/);
    });

    it('refuses invalid JSON', async () => {
      const identity = await makeStateBottle();
      await writeFile(join(bottlePaths(identity).inbox, 'broken.json'), `{"version":1,"reason":"${SECRET}"`);
      await processInbox(identity);
      await expectRefused(identity, 'broken.json', /not valid JSON/);
    });

    it('refuses invalid UTF-8', async () => {
      const identity = await makeStateBottle();
      await writeFile(join(bottlePaths(identity).inbox, 'latin.json'), Buffer.from([0x7b, 0xff, 0x7d]));
      await processInbox(identity);
      await expectRefused(identity, 'latin.json', /UTF-8/);
    });

    it('refuses a wrong schema', async () => {
      const identity = await makeStateBottle();
      await writeFile(join(bottlePaths(identity).inbox, 'schema.json'), JSON.stringify({ version: 1, id: 'schema', reason: 5, run: 'x' }));
      await processInbox(identity);
      await expectRefused(identity, 'schema.json', /invalid request field "created_at"|invalid request field "reason"/);
    });

    it('refuses a request id with ../ and never writes outside the inbox', async () => {
      const identity = await makeStateBottle();
      const evil = '../../../escaped';
      await writeFile(join(bottlePaths(identity).inbox, 'evil.json'), requestJson(evil));
      await processInbox(identity);
      await expectRefused(identity, 'evil.json', /"id"/);
      await expect(stat(join(home(), 'escaped.response.json'))).rejects.toThrow();
      expect((await readdir(bottlePaths(identity).dir)).sort()).toEqual(['inbox', 'journal.jsonl', 'metadata.json', 'rebuild']);
    });

    it('refuses an id that does not match its file name', async () => {
      const identity = await makeStateBottle();
      await writeFile(join(bottlePaths(identity).inbox, 'one.json'), requestJson('other'));
      await processInbox(identity);
      await expectRefused(identity, 'one.json', /does not match its file name/);
    });

    it('refuses a directory posing as a request', async () => {
      const identity = await makeStateBottle();
      await mkdir(join(bottlePaths(identity).inbox, 'dir.json'));
      await processInbox(identity);
      await expectRefused(identity, 'dir.json', /directory/);
    });

    it('warns about an unsafe file name without answering under it', async () => {
      const identity = await makeStateBottle();
      await writeFile(join(bottlePaths(identity).inbox, 'bad name\n.json'), requestJson('x'));
      expect(await processInbox(identity)).toBe(true);
      const view = await rebuildViewFields(identity);
      expect(view.warnings).toEqual([
        expect.objectContaining({ file: 'bad name?.json', message: expect.stringMatching(/not a valid request id/) }),
      ]);
      expect(await processInbox(identity)).toBe(false);
    });

    it('handles all hostile files at once, keeps working, and answers each once', async () => {
      const identity = await makeStateBottle();
      const inbox = bottlePaths(identity).inbox;
      await writeFile(join(home(), 'secret.json'), SECRET);
      await symlink(join(home(), 'secret.json'), join(inbox, 'a-link.json'));
      execFileSync('mkfifo', [join(inbox, 'b-fifo.json')]);
      // Over the request cap, under the inbox's (an inbox over its cap takes no new request at all).
      await writeFile(join(inbox, 'c-big.json'), Buffer.alloc(200 * 1024, 0x20));
      await writeFile(join(inbox, 'd-bad.json'), '{nope');
      await writeRequest(identity, 'e-good');
      expect(await processInbox(identity)).toBe(true);
      const view = await rebuildViewFields(identity);
      expect(view.pendingRequest?.id).toBe('e-good');
      expect(view.warnings.map((warning) => warning.file).sort()).toEqual(['a-link.json', 'b-fifo.json', 'c-big.json', 'd-bad.json']);
      expect(view.historyCount).toBe(4);
      expect(await processInbox(identity)).toBe(false);
      expect((await readHistory(identity)).length).toBe(4);
      expect(JSON.stringify(view)).not.toContain(SECRET);
    });

    it('drops a warning once its file is gone', async () => {
      const identity = await makeStateBottle();
      const file = join(bottlePaths(identity).inbox, 'gone.json');
      await writeFile(file, 'junk');
      await processInbox(identity);
      expect((await rebuildViewFields(identity)).warnings).toHaveLength(1);
      execFileSync('rm', [file]);
      expect(await processInbox(identity)).toBe(true);
      expect((await rebuildViewFields(identity)).warnings).toEqual([]);
    });
  });

  it('refuses an invalid identity before touching disk', async () => {
    await expect(processInbox('../x')).rejects.toThrow(/invalid bottle identity/);
    await expect(rebuildViewFields('../x')).rejects.toThrow(/invalid bottle identity/);
  });
});
