import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBottleContext, type BottleContext } from '../../src/main/core/bottle-context';
import { resumeBottle, startBottle } from '../../src/main/core/bottle-lifecycle';
import { findBottleContainer } from '../../src/main/core/docker/bottle-containers';
import { readPerBottleDockerfile } from '../../src/main/core/per-bottle-dockerfile';
import { readApprovalRecord } from '../../src/main/core/rebuild/approval-record';
import { readHistory } from '../../src/main/core/rebuild/journal';
import { processInbox } from '../../src/main/core/rebuild/process-inbox';
import { recoverInterruptedApprovals } from '../../src/main/core/rebuild/recovery';
import { rebuildViewFields } from '../../src/main/core/rebuild/view-fields';
import { bottlePaths } from '../../src/main/core/state-paths';
import type { PendingRequestView } from '../../src/shared/bottle-view';
import { removeTestBottlesAfterEach } from '../helpers/bottle-cleanup';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { REBUILD_TRANSCRIPT, writeRebuildAgent } from '../helpers/rebuild-agent';
import { useTempHome } from '../helpers/temp-home';

const home = useTempHome();
removeTestBottlesAfterEach();

const ROOT = join(import.meta.dirname, '..', '..');

let project = '';
beforeAll(() => {
  // The SIGKILL tests drive the real CLI bundle, as an operator's shell would.
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, stdio: 'ignore' });
});
beforeEach(async () => {
  project = await mkdtemp(join(tmpdir(), 'claude-bottle-project-'));
  await writeFile(join(project, 'README.md'), 'hello\n');
});
afterEach(async () => {
  await rm(project, { recursive: true, force: true });
});

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], fault?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, CLAUDE_BOTTLE_HOME: home() };
    if (fault === undefined) delete env.CLAUDE_BOTTLE_FAULT;
    else env.CLAUDE_BOTTLE_FAULT = fault;
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'claude-bottle.mjs'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function transcriptOf(identity: string): Promise<string> {
  return (await execIn(await bottleContainer(identity), ['cat', REBUILD_TRANSCRIPT])).output;
}

async function containerId(ctx: BottleContext, identity: string): Promise<string | null> {
  return (await findBottleContainer(ctx.docker, identity))?.Id ?? null;
}

async function startAndAwaitRequest(ctx: BottleContext): Promise<{ identity: string; pending: PendingRequestView }> {
  await writeRebuildAgent('rebuilder');
  const { identity } = await startBottle(ctx, { agent: 'rebuilder', cwd: project, copy: true });
  const pending = await eventually(async () => {
    await processInbox(identity);
    const view = await rebuildViewFields(identity);
    if (view.pendingRequest === null) throw new Error('no pending request yet');
    return view.pendingRequest;
  });
  await eventually(async () => expect(await transcriptOf(identity)).toContain(`asked ${pending.id}`));
  await execIn(await bottleContainer(identity), ['sh', '-c', 'echo precious > /workspace/notes.txt']);
  return { identity, pending };
}

async function expectRebuiltWithEverything(identity: string, extraLines: string[] = []): Promise<void> {
  const container = await bottleContainer(identity);
  expect((await execIn(container, ['cat', '/opt/marker'])).output).toBe('built\n');
  await eventually(async () => {
    const transcript = await transcriptOf(identity);
    for (const line of ['run 1 mode=start line A', 'run 1 mode=start line B', 'run 1 asked', 'run 2 mode=resume line A', 'run 2 marker: built', ...extraLines]) {
      expect(transcript).toContain(line);
    }
  });
  expect((await execIn(container, ['cat', '/workspace/notes.txt'])).output).toBe('precious\n');
}

describe.skipIf(skipWithoutDocker)('approve killed with SIGKILL at each step (CLI, injected fault points)', () => {
  it.each(['after-build', 'after-snapshot'])('%s: the old bottle is intact; approving again after the restart works', async (fault) => {
    const ctx = createBottleContext();
    const { identity, pending } = await startAndAwaitRequest(ctx);
    const oldContainer = await containerId(ctx, identity);

    const killed = await cli(['approve', identity], fault);
    expect(killed.signal).toBe('SIGKILL');

    // Killed mid-way: nothing the bottle runs from changed, the request is still pending.
    expect(await readApprovalRecord(identity)).toMatchObject({ step: fault === 'after-build' ? 'built' : 'snapshotted' });
    expect(await containerId(ctx, identity)).toBe(oldContainer);
    expect((await (await bottleContainer(identity)).inspect()).State.Running).toBe(true);
    expect(await readPerBottleDockerfile(identity)).toBeNull();
    expect((await rebuildViewFields(identity)).pendingRequest?.id).toBe(pending.id);
    expect(await readHistory(identity)).toEqual([]);

    // Restart: the CLI recovers the interrupted approval first, then approves for real.
    const again = await cli(['approve', identity, '--resume']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`approved ${pending.id} for ${identity}`);
    expect(await readApprovalRecord(identity)).toBeNull();
    expect(await readPerBottleDockerfile(identity)).toBe(pending.proposedDockerfile);
    expect((await readHistory(identity)).map((entry) => entry.decision)).toEqual(['approved']);
    await expectRebuiltWithEverything(identity);
  });

  it('after-commit: Dockerfile, journal and answer are in place; recovery finishes the teardown and loses no line', async () => {
    const ctx = createBottleContext();
    const { identity, pending } = await startAndAwaitRequest(ctx);
    const oldContainer = await containerId(ctx, identity);

    const killed = await cli(['approve', identity, '--request', pending.id], 'after-commit');
    expect(killed.signal).toBe('SIGKILL');

    expect(await readApprovalRecord(identity)).toMatchObject({ step: 'committed', requestId: pending.id });
    expect(await readPerBottleDockerfile(identity)).toBe(pending.proposedDockerfile);
    expect((await readHistory(identity)).map((entry) => entry.decision)).toEqual(['approved']);
    const response = JSON.parse(await readFile(join(bottlePaths(identity).inbox, `${pending.id}.response.json`), 'utf8')) as { status: string };
    expect(response.status).toBe('approved');
    expect((await rebuildViewFields(identity)).pendingRequest).toBeNull();
    // The old container still runs, and the agent writes more after reading the answer.
    expect(await containerId(ctx, identity)).toBe(oldContainer);
    await eventually(async () => expect(await transcriptOf(identity)).toMatch(/run 1 answer: .*"status":"approved"/));
    await execIn(await bottleContainer(identity), ['sh', '-c', `echo "written after the kill" >> ${REBUILD_TRANSCRIPT}`]);

    // Restart (what the app, serve and CLI approve do first).
    expect(await recoverInterruptedApprovals(ctx)).toEqual([]);
    expect(await readApprovalRecord(identity)).toBeNull();
    expect(await containerId(ctx, identity)).toBeNull();
    expect(await readFile(join(bottlePaths(identity).transcript, 'log.txt'), 'utf8')).toContain('written after the kill');

    await resumeBottle(ctx, identity);
    await expectRebuiltWithEverything(identity, ['run 1 answer:', 'written after the kill']);
    expect((await readHistory(identity)).map((entry) => entry.decision)).toEqual(['approved']);
  });
});
