import { spawnSync } from 'node:child_process';
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { readPerBottleDockerfile } from '../../src/core/state/per-bottle-dockerfile';
import { createApprovalRecord, readApprovalRecord, type ApprovalRecord } from '../../src/core/rebuild/approval-record';
import { commitApproval } from '../../src/core/rebuild/approval-steps';
import { createInboxWatcher } from '../../src/core/rebuild/inbox-watcher';
import { appendJournal, historyCount, readHistory } from '../../src/core/rebuild/journal';
import { pickPendingRequest } from '../../src/core/rebuild/pick-request';
import { processInbox } from '../../src/core/rebuild/process-inbox';
import { recoverInterruptedApprovals } from '../../src/core/rebuild/recovery';
import { rebuildViewFields } from '../../src/core/rebuild/view-fields';
import { listPendingRecords, toPendingView } from '../../src/core/rebuild/rebuild-store';
import { mapLimited } from '../../src/core/state/state-listing';
import { bottlePaths, rebuildPaths } from '../../src/core/state/state-paths';
import { AGENT_DOCKERFILE, makeStateBottle, runCapabilityBlock, writeRequest } from '../helpers/rebuild-fixtures';
import { useTempHome } from '../helpers/temp-home';
import { service } from '../helpers/test-service';
import { rejectNow } from '../../src/core/rebuild/approval';

useTempHome();

async function response(identity: string, id: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(bottlePaths(identity).inbox, `${id}.response.json`), 'utf8')) as Record<string, unknown>;
}

function deadPid(): number {
  const child = spawnSync('true');
  return child.pid ?? 999_999;
}

function approvalRecord(identity: string, step: ApprovalRecord['step'], pid: number): ApprovalRecord {
  return {
    version: 1,
    identity,
    requestId: 'req-1-a',
    step,
    pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    imageId: step === 'building' ? null : 'sha256:abc',
    reason: 'need a marker',
    proposedDockerfile: `${AGENT_DOCKERFILE}RUN echo built > /opt/marker\n`,
    diff: '+RUN echo built > /opt/marker',
    by: 'tester',
  };
}

describe('reject', () => {
  it('answers the agent with the message, journals it, clears the request; nothing else changes', async () => {
    const identity = await makeStateBottle();
    await writeRequest(identity, 'req-1-a');
    await processInbox(identity);
    await service().reject(identity, { requestId: 'req-1-a', message: 'use the python3 that is there' });
    expect(await response(identity, 'req-1-a')).toEqual({
      version: 1,
      id: 'req-1-a',
      status: 'rejected',
      message: 'The operator rejected this request: use the python3 that is there',
    });
    const history = await readHistory(identity);
    expect(history).toEqual([
      expect.objectContaining({
        decision: 'rejected',
        requestId: 'req-1-a',
        reason: 'need a marker',
        message: 'use the python3 that is there',
        imageId: null,
      }),
    ]);
    expect(history[0]?.diff).toContain('+RUN echo built > /opt/marker');
    expect(await rebuildViewFields(identity)).toMatchObject({ pendingRequest: null, warnings: [], historyCount: 1 });
    expect(await readPerBottleDockerfile(identity)).toBeNull();
    // The answered request is not picked up again.
    expect(await processInbox(identity)).toBe(false);
  });

  it('replaces a symlink the agent planted under the response name, never writing through it', async () => {
    const identity = await makeStateBottle();
    await writeRequest(identity, 'req-1-a');
    await processInbox(identity);
    const outside = join(bottlePaths(identity).dir, '..', 'victim.txt');
    await writeFile(outside, 'untouched');
    const { symlink, lstat } = await import('node:fs/promises');
    await symlink(outside, join(bottlePaths(identity).inbox, 'req-1-a.response.json'));
    await service().reject(identity, { requestId: 'req-1-a', message: 'no' });
    expect(await readFile(outside, 'utf8')).toBe('untouched');
    expect((await lstat(join(bottlePaths(identity).inbox, 'req-1-a.response.json'))).isFile()).toBe(true);
  });

  it('refuses an unknown or malformed request id', async () => {
    const identity = await makeStateBottle();
    await expect(rejectNow(identity, { requestId: 'nope', message: '' })).rejects.toThrow(/no pending request nope/);
    await expect(rejectNow(identity, { requestId: '../x', message: '' })).rejects.toThrow(/invalid request id/);
    await expect(service().reject(identity, { requestId: '../x', message: '' })).rejects.toThrow(/invalid request id/);
  });

  it('the agent finds the answer through the inbox, as capability-block told it', async () => {
    const identity = await makeStateBottle();
    const result = await runCapabilityBlock(bottlePaths(identity).inbox, ['--reason', 'r', '--run', 'true']);
    const id = /Request (\S+) sent/.exec(result.stdout)?.[1] ?? '';
    await processInbox(identity);
    await service().reject(identity, { requestId: id, message: 'no' });
    expect(result.stdout).toContain(`${id}.response.json`);
    expect((await response(identity, id)).status).toBe('rejected');
  });
});

describe('journal', () => {
  it('skips a torn last line and counts entries cheaply', async () => {
    const identity = await makeStateBottle();
    const entry = { at: 't', decision: 'rejected' as const, requestId: 'r', reason: 'x', diff: '', imageId: null, message: null, by: 'me' };
    await appendJournal(identity, entry);
    await appendJournal(identity, { ...entry, requestId: 's' });
    await appendFile(bottlePaths(identity).journal, '{"at":"t","decis');
    expect((await readHistory(identity)).map((e) => e.requestId)).toEqual(['r', 's']);
    expect(await historyCount(identity)).toBe(2);
    await appendFile(bottlePaths(identity).journal, '\n');
    await appendJournal(identity, { ...entry, requestId: 'u' });
    expect(await historyCount(identity)).toBe(3);
  });
});

describe('picking the request for the CLI', () => {
  it('takes the only pending one, refuses none and ambiguous', async () => {
    const identity = await makeStateBottle();
    await expect(pickPendingRequest(identity, undefined)).rejects.toThrow(/has no pending request/);
    await writeRequest(identity, 'req-1-a');
    expect(await pickPendingRequest(identity, undefined)).toBe('req-1-a');
    await writeRequest(identity, 'req-2-b');
    await expect(pickPendingRequest(identity, undefined)).rejects.toThrow(
      /2 pending requests \(req-1-a, req-2-b\); choose one with --request ID/,
    );
    expect(await pickPendingRequest(identity, 'req-2-b')).toBe('req-2-b');
    await expect(pickPendingRequest(identity, 'req-9')).rejects.toThrow(/no pending request "req-9"/);
    await expect(pickPendingRequest('nobody-zzzzz', undefined)).rejects.toThrow(/no bottle nobody-zzzzz under/);
  });
});

describe('approval records and recovery without Docker', () => {
  it('only one approval record can be created at a time', async () => {
    const identity = await makeStateBottle();
    expect(await createApprovalRecord(approvalRecord(identity, 'building', process.pid))).toBe(true);
    expect(await createApprovalRecord(approvalRecord(identity, 'building', process.pid))).toBe(false);
    expect((await readdir(rebuildPaths(identity).dir)).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
  });

  it.each(['building', 'built', 'snapshotted'] as const)(
    'rolls back an approval killed at %s: request still pending, nothing committed',
    async (step) => {
      const identity = await makeStateBottle();
      await writeRequest(identity, 'req-1-a');
      await processInbox(identity);
      await createApprovalRecord(approvalRecord(identity, step, deadPid()));
      expect(await recoverInterruptedApprovals(createCoreDeps())).toEqual([]);
      expect(await readApprovalRecord(identity)).toBeNull();
      expect((await rebuildViewFields(identity)).pendingRequest?.id).toBe('req-1-a');
      expect(await readPerBottleDockerfile(identity)).toBeNull();
      expect(await readHistory(identity)).toEqual([]);
    },
  );

  it('every change settles a half-done approval first: while another live process holds one, remove, stop, resume, reject and approve refuse', async () => {
    const identity = await makeStateBottle();
    await writeRequest(identity, 'req-1-a');
    await processInbox(identity);
    await createApprovalRecord(approvalRecord(identity, 'built', process.ppid));
    const bottles = service();
    const changes = [
      () => bottles.remove(identity, { keepState: false, force: true }),
      () => bottles.stop(identity),
      () => bottles.resume(identity),
      () => bottles.reject(identity, { requestId: 'req-1-a', message: '' }),
      () => bottles.approve(identity, { requestId: 'req-1-a', resume: false }),
    ];
    for (const change of changes) await expect(change()).rejects.toThrow(/being approved by another process/);
    expect(await readApprovalRecord(identity)).not.toBeNull();
    expect((await readdir(bottlePaths(identity).dir)).sort()).toContain('metadata.json');
    expect((await rebuildViewFields(identity)).pendingRequest?.id).toBe('req-1-a');
  });

  it('leaves an approval held by a live process alone', async () => {
    const identity = await makeStateBottle();
    await createApprovalRecord(approvalRecord(identity, 'built', process.ppid));
    await recoverInterruptedApprovals(createCoreDeps());
    expect(await readApprovalRecord(identity)).not.toBeNull();
  });

  it('commits idempotently: Dockerfile, one journal entry, the answer, the request cleared', async () => {
    const identity = await makeStateBottle();
    await writeRequest(identity, 'req-1-a');
    await writeRequest(identity, 'req-2-b', { run: ['echo second'] });
    await processInbox(identity);
    const record = approvalRecord(identity, 'committing', process.pid);
    await commitApproval(identity, record);
    await commitApproval(identity, record);
    expect(await readPerBottleDockerfile(identity)).toBe(record.proposedDockerfile);
    expect((await readHistory(identity)).filter((entry) => entry.decision === 'approved')).toHaveLength(1);
    expect(await response(identity, 'req-1-a')).toMatchObject({ status: 'approved' });
    expect((await rebuildViewFields(identity)).pendingRequest?.id).toBe('req-2-b');
    // The other request is re-diffed against the newly committed Dockerfile.
    const [other] = (await listPendingRecords(identity)).map(toPendingView);
    expect(other?.currentDockerfile).toBe(record.proposedDockerfile);
    expect(other?.proposedDockerfile).toBe(`${record.proposedDockerfile}RUN echo second\n`);
    expect(other?.diff).not.toContain('+RUN echo built');
  });
});

describe('inbox watcher', () => {
  it('picks up a new request through fs.watch, without waiting for a rescan', async () => {
    const identity = await makeStateBottle();
    const seen: string[] = [];
    let resolveSeen: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (resolveSeen = resolve));
    // A long rescan period: only fs.watch can make it within the second.
    const watcher = createInboxWatcher(
      (changed) => {
        seen.push(changed);
        resolveSeen();
      },
      { rescanMs: 60_000 },
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await runCapabilityBlock(bottlePaths(identity).inbox, ['--reason', 'r', '--run', 'true']);
      // The rescan would take a minute, past the test's timeout: arriving at all proves the watch.
      await arrived;
      expect(seen[0]).toBe(identity);
      expect((await rebuildViewFields(identity)).pendingRequest).not.toBeNull();
    } finally {
      watcher.close();
    }
  });

  it('finds bottles created after it started, and requests fs.watch missed, by rescanning', async () => {
    const seen = new Set<string>();
    const watcher = createInboxWatcher((changed) => seen.add(changed), { rescanMs: 200 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const identity = await makeStateBottle('late-zzzzz');
      await writeRequest(identity, 'req-1-a');
      const deadline = Date.now() + 3000;
      while (!seen.has(identity) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen.has(identity)).toBe(true);
    } finally {
      watcher.close();
    }
  });
});

describe('rebuildViewFields', () => {
  // Its speed is measured by `npm run bench` (ls --json over 1,000 bottles), never asserted here.
  it('reads 1,000 bottles, most with nothing pending, with the right counts', async () => {
    const identities = Array.from({ length: 1000 }, (_, i) => `perf-${i.toString(36).padStart(5, '0')}`);
    await mapLimited(identities, 64, async (identity) => {
      await mkdir(bottlePaths(identity).inbox, { recursive: true });
      await writeFile(bottlePaths(identity).metadata, '{}');
    });
    // A few with a pending request, warnings and history, like a real listing.
    for (const identity of identities.slice(0, 10)) {
      await mkdir(rebuildPaths(identity).pending, { recursive: true });
      await writeFile(rebuildPaths(identity).warnings, JSON.stringify([{ file: 'x.json', message: 'bad', at: 't' }]));
      await appendJournal(identity, {
        at: 't',
        decision: 'rejected',
        requestId: 'r',
        reason: 'x',
        diff: '',
        imageId: null,
        message: null,
        by: 'me',
      });
    }
    const views = await mapLimited(identities, 64, rebuildViewFields);
    expect(views.filter((view) => view.historyCount === 1)).toHaveLength(10);
    expect(views.filter((view) => view.warnings.length === 1)).toHaveLength(10);
    expect(views.filter((view) => view.historyCount === 0 && view.warnings.length === 0 && view.pendingRequest === null)).toHaveLength(990);
  });
});
