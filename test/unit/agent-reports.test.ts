import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_PERMISSIONS, MAX_STATUS_FILE_BYTES } from '../../src/shared/agent-reports';
import { processInbox } from '../../src/core/rebuild/process-inbox';
import { readHistory } from '../../src/core/rebuild/journal';
import { parseInboxRequest } from '../../src/core/rebuild/request-schema';
import { listPendingRecords } from '../../src/core/rebuild/rebuild-store';
import { rebuildViewFields } from '../../src/core/rebuild/view-fields';
import { readAgentStatusRecord, statusReadCount } from '../../src/core/rebuild/agent-status';
import { answerPermissionNow } from '../../src/core/rebuild/permission-answer';
import {
  claimPermissionRecord,
  permissionIds,
  recoverStaleClaims,
  releaseClaim,
  STALE_CLAIM_MS,
} from '../../src/core/rebuild/permission-store';
import { parseAgentStatusReport, parsePermissionRequest } from '../../src/core/rebuild/report-schemas';
import { ingestAgentStatus, STATUS_READ_INTERVAL_MS } from '../../src/core/rebuild/status-throttle';
import { bottlePaths, rebuildPaths } from '../../src/core/state/state-paths';
import { readTimelineFile } from '../../src/core/timeline/timeline';
import { makeStateBottle } from '../helpers/rebuild-fixtures';
import { useTempHome } from '../helpers/temp-home';

useTempHome();

const status = { version: 1, state: 'working', tool: 'Bash', detail: 'npm test', at: '2026-12-03T22:00:00Z' };
const question = { version: 1, id: 'perm-1-aa', created_at: '2026-12-03T22:00:00Z', kind: 'permission', tool: 'Bash', detail: 'npm test' };

describe('the status file schema', () => {
  it('takes a good report, with or without its optional strings', () => {
    expect(parseAgentStatusReport(status).ok).toBe(true);
    expect(parseAgentStatusReport({ version: 1, state: 'waiting', message: 'done\n\ttwo lines', at: 't' }).ok).toBe(true);
  });

  it.each([
    ['an unknown state', { ...status, state: 'dancing' }, /^invalid status field "state": /],
    ['an unknown field', { ...status, extra: 1 }, /^invalid status/],
    ['version 2', { ...status, version: 2 }, /"version"/],
    ['a tool over its cap', { ...status, tool: 'x'.repeat(101) }, /"tool": must be at most 100 characters/],
    ['a detail with an escape', { ...status, detail: 'a\u001b[2Jb' }, /"detail": must be one line/],
    ['a detail with a newline', { ...status, detail: 'a\nb' }, /"detail": must be one line/],
    ['a message with a control character', { ...status, message: 'a\u0007' }, /"message": must not hold control/],
    ['a message over its cap', { ...status, message: 'm'.repeat(2001) }, /"message": must be at most 2000/],
    ['no time', { version: 1, state: 'working' }, /"at"/],
    ['an array', [status], /must be a JSON object/],
  ])('refuses %s, in one line naming the field', (_name, value, message) => {
    const result = parseAgentStatusReport(value);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toMatch(message);
      expect(result.message).not.toContain('\n');
    }
  });
});

describe('the permission request schema and the inbox dispatch', () => {
  it('dispatches by kind: a permission question, a Dockerfile request, an unknown kind refused', () => {
    expect(parseInboxRequest(question)).toMatchObject({ ok: true, kind: 'permission' });
    expect(parseInboxRequest({ version: 1, id: 'r-1', created_at: 't', reason: 'r', run: ['x'] })).toMatchObject({
      ok: true,
      kind: 'capability',
    });
    expect(parseInboxRequest({ ...question, kind: 'shell' })).toEqual({
      ok: false,
      message: 'invalid request field "kind": must be "permission" or absent',
    });
    // A permission question never carries a Dockerfile's fields, nor a Dockerfile request a kind.
    expect(parseInboxRequest({ ...question, run: ['x'] }).ok).toBe(false);
  });

  it.each([
    ['an id without the perm- prefix', { ...question, id: 'req-1' }, /"id": must start with "perm-"/],
    ['a path as id', { ...question, id: '../x' }, /"id"/],
    ['a blank tool', { ...question, tool: ' ' }, /"tool": must not be empty/],
    ['an input over its cap', { ...question, input: 'i'.repeat(8001) }, /"input": must be at most 8000/],
    ['a reason with an escape', { ...question, reason: '\u001b]0;x\u0007' }, /"reason"/],
    ['an unknown field', { ...question, answer: 'approved' }, /^invalid permission request/],
  ])('refuses %s', (_name, value, message) => {
    const result = parsePermissionRequest(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

async function writeInboxFile(identity: string, name: string, text: string): Promise<void> {
  const inbox = bottlePaths(identity).inbox;
  await writeFile(join(inbox, `.tmp-${name}`), text);
  await rename(join(inbox, `.tmp-${name}`), join(inbox, name));
}

describe('permission questions in the inbox', () => {
  it('holds a question apart from Dockerfile requests, drops it when its file goes, answers it once', async () => {
    const identity = await makeStateBottle('perm-abcde');
    await writeInboxFile(identity, 'perm-1-aa.json', JSON.stringify(question));
    expect(await processInbox(identity)).toBe(true);
    expect(await listPendingRecords(identity)).toEqual([]);
    expect((await rebuildViewFields(identity)).permissionPending).toMatchObject([{ id: 'perm-1-aa', tool: 'Bash', detail: 'npm test' }]);
    // Read once: the next scan leaves it alone.
    expect(await processInbox(identity)).toBe(false);

    await answerPermissionNow(identity, 'perm-1-aa', 'deny', 'not now');
    await expect(answerPermissionNow(identity, 'perm-1-aa', 'allow', '')).rejects.toThrow(/already answered \(denied by /);
    expect((await rebuildViewFields(identity)).permissionPending).toEqual([]);
    await expect(answerPermissionNow(identity, 'perm-7-zz', 'allow', '')).rejects.toMatchObject({ code: 'not-found' });

    await writeInboxFile(identity, 'perm-2-bb.json', JSON.stringify({ ...question, id: 'perm-2-bb' }));
    await processInbox(identity);
    await rm(join(bottlePaths(identity).inbox, 'perm-2-bb.json'));
    expect(await processInbox(identity)).toBe(true);
    expect((await rebuildViewFields(identity)).permissionPending).toEqual([]);
    expect((await readHistory(identity)).map((entry) => `${entry.requestId} ${entry.decision}`)).toEqual([
      'perm-1-aa denied',
      'perm-2-bb withdrawn',
    ]);
  });

  it('never takes a question being answered (claimed, its response not yet written) for a new one', async () => {
    const identity = await makeStateBottle('race-abcde');
    await writeInboxFile(identity, 'perm-1-aa.json', JSON.stringify(question));
    await processInbox(identity);
    expect(await claimPermissionRecord(identity, 'perm-1-aa')).not.toBeNull();
    // A scan in the window between the claim and the response (a status write's event, say).
    await processInbox(identity);
    expect(await permissionIds(identity)).toEqual([]);
    await writeFile(join(bottlePaths(identity).inbox, 'perm-1-aa.response.json'), '{}');
    await releaseClaim(identity, 'perm-1-aa');
    await processInbox(identity);
    expect(await permissionIds(identity)).toEqual([]);
  });

  it('puts back a question a killed process claimed and never answered; releases one it answered', async () => {
    const identity = await makeStateBottle('crash-abcde');
    for (const id of ['perm-1-aa', 'perm-2-bb']) await writeInboxFile(identity, `${id}.json`, JSON.stringify({ ...question, id }));
    await processInbox(identity);
    await claimPermissionRecord(identity, 'perm-1-aa');
    await claimPermissionRecord(identity, 'perm-2-bb');
    await writeFile(join(bottlePaths(identity).inbox, 'perm-2-bb.response.json'), '{}');
    // A fresh claim is an answer under way: left alone.
    expect(await recoverStaleClaims(identity, ['perm-1-aa', 'perm-2-bb'], new Set(['perm-2-bb']))).toEqual([]);
    const later = Date.now() + STALE_CLAIM_MS + 1000;
    expect(await recoverStaleClaims(identity, ['perm-1-aa', 'perm-2-bb'], new Set(['perm-2-bb']), later)).toEqual(['perm-1-aa']);
    expect(await permissionIds(identity)).toEqual(['perm-1-aa']);
    expect(await readdir(rebuildPaths(identity).permissions)).toEqual(['perm-1-aa.json']);
    expect((await rebuildViewFields(identity)).permissionPending.map((q) => q.id)).toEqual(['perm-1-aa']);
  });

  it(`answers questions past ${MAX_PENDING_PERMISSIONS} waiting with an error, and keeps the Dockerfile cap apart`, async () => {
    const identity = await makeStateBottle('cap-abcde');
    for (let index = 0; index < MAX_PENDING_PERMISSIONS + 2; index += 1)
      await writeInboxFile(identity, `perm-${index}-aa.json`, JSON.stringify({ ...question, id: `perm-${index}-aa` }));
    await processInbox(identity);
    expect((await rebuildViewFields(identity)).permissionPending).toHaveLength(MAX_PENDING_PERMISSIONS);
    const responses = (await readdir(bottlePaths(identity).inbox)).filter((name) => name.endsWith('.response.json'));
    expect(responses).toHaveLength(2);
  });
});

describe('the status file throttle', () => {
  it('reads a flood at most MAX_REPORTS_PER_SECOND times a second, and always the final report', async () => {
    const identity = await makeStateBottle('flood-abcde');
    const before = statusReadCount(identity);
    const started = Date.now();
    const triggers: Promise<boolean>[] = [];
    for (let index = 1; index <= 100; index += 1) {
      await writeInboxFile(identity, '.agent-status', JSON.stringify({ ...status, detail: `step ${index}` }));
      triggers.push(ingestAgentStatus(identity));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await writeInboxFile(identity, '.agent-status', JSON.stringify({ ...status, state: 'waiting', message: 'done' }));
    triggers.push(ingestAgentStatus(identity));
    await Promise.all(triggers);
    const elapsed = Date.now() - started;
    expect(statusReadCount(identity) - before).toBeLessThanOrEqual(Math.ceil(elapsed / STATUS_READ_INTERVAL_MS) + 1);
    expect((await readAgentStatusRecord(identity))?.status).toMatchObject({ state: 'waiting', lastMessage: 'done', tool: 'Bash' });
  });

  it('redacts a key the agent pasted into its message or detail before the record keeps it', async () => {
    const identity = await makeStateBottle('leak-abcde');
    const key = `sk-ant-api03-${'k'.repeat(40)}`;
    await writeInboxFile(
      identity,
      '.agent-status',
      JSON.stringify({ ...status, state: 'waiting', detail: `curl -H "x-api-key: ${key}"`, message: `my key is ${key}` }),
    );
    await ingestAgentStatus(identity);
    expect(await readFile(bottlePaths(identity).agentStatus, 'utf8')).not.toContain(key);
    expect((await readAgentStatusRecord(identity))?.status).toMatchObject({
      lastMessage: 'my key is sk-ant-[redacted]',
      detail: 'curl -H "x-api-key: sk-ant-[redacted]"',
    });
  });

  it('keeps a turn for each end with new words, and none for the same report read again', async () => {
    const identity = await makeStateBottle('turns-abcde');
    const report = async (message: string): Promise<void> => {
      await writeInboxFile(identity, '.agent-status', JSON.stringify({ ...status, state: 'waiting', message }));
      await new Promise((resolve) => setTimeout(resolve, STATUS_READ_INTERVAL_MS));
      await ingestAgentStatus(identity);
    };
    await report('first answer');
    await report('second answer');
    await report('second answer');
    const turns = (await readTimelineFile(identity)).filter((event) => event.kind === 'turn');
    expect(turns.map((event) => event.lastMessage)).toEqual(['first answer', 'second answer']);
  });

  it('carries `since` over while the state stays, keeps the last good status under a bad file, and warns once', async () => {
    const identity = await makeStateBottle('since-abcde');
    const settle = async (text: string): Promise<void> => {
      await writeInboxFile(identity, '.agent-status', text);
      await new Promise((resolve) => setTimeout(resolve, STATUS_READ_INTERVAL_MS));
      await ingestAgentStatus(identity);
    };
    await settle(JSON.stringify(status));
    const first = (await readAgentStatusRecord(identity))?.status;
    await settle(JSON.stringify({ ...status, detail: 'npm run lint' }));
    const second = (await readAgentStatusRecord(identity))?.status;
    expect(second?.since).toBe(first?.since);
    expect(second?.at).not.toBe(first?.at);
    await settle('{"version":1,"state":');
    expect(await readAgentStatusRecord(identity)).toMatchObject({
      status: second,
      warning: { file: '.agent-status', message: 'the status file is not valid JSON' },
    });
    await settle('x'.repeat(MAX_STATUS_FILE_BYTES + 1));
    expect((await readAgentStatusRecord(identity))?.warning?.message).toBe(`the status file is larger than ${MAX_STATUS_FILE_BYTES} bytes`);
    await settle(JSON.stringify({ ...status, state: 'waiting' }));
    const third = await readAgentStatusRecord(identity);
    expect(third?.warning).toBeNull();
    expect(third?.status?.since).not.toBe(first?.since);
  });
});
