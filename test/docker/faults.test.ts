import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import { readMetadata, writeMetadata } from '../../src/core/state/metadata';
import { readPerBottleDockerfile, writePerBottleDockerfile } from '../../src/core/state/per-bottle-dockerfile';
import { bottlePaths, claudeBottleRoot } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from '../helpers/test-agents';

const { project: projectDir, listMine } = useBottleTestEnv();
let project = '';
beforeEach(() => {
  project = projectDir();
});

describe.skipIf(skipWithoutDocker)('faults', () => {
  it('SIGKILL during start (after metadata, before the container) leaves a resumable missing-container bottle', async () => {
    const killed = await runCli(['start', 'scripted', '--cwd', project, '--detach'], { CLAUDE_BOTTLE_FAULT: 'start-after-metadata' });
    expect(killed.code).not.toBe(0);
    const [view] = await listMine();
    expect(view).toMatchObject({ agentName: 'scripted', cwd: project, status: 'missing-container', containerId: null });
    const identity = (view as BottleView).identity;

    const resumed = await runCli(['resume', identity, '--detach']);
    expect(resumed.code, resumed.stderr).toBe(0);
    await eventually(async () => {
      const { output } = await execIn(await bottleContainer(identity), ['cat', `${TEST_TRANSCRIPT_DIR}/log.txt`]);
      expect(output).toContain('mode=resume');
    });
    expect((await listMine()).map((v) => [v.identity, v.status])).toEqual([[identity, 'running']]);
  });

  it('50 concurrent starts across 3 agents on 5 folders: 50 identities, no lost metadata', async () => {
    await writeTestAgent({ name: 'alpha' });
    await writeTestAgent({ name: 'beta' });
    const folders = await Promise.all(Array.from({ length: 5 }, (_, i) => mkdtemp(join(tmpdir(), `claude-bottle-fifty-${i}-`))));
    try {
      const agents = ['scripted', 'alpha', 'beta'];
      const runs = Array.from({ length: 50 }, (_, i) => ({ agent: agents[i % 3] as string, cwd: folders[i % 5] as string }));
      const results = await Promise.all(runs.map((r) => runCli(['start', r.agent, '--cwd', r.cwd, '--detach', '--json'], {}, 300_000)));
      for (const result of results) expect(result.code, result.stderr).toBe(0);
      const views = results.map((result) => JSON.parse(result.stdout) as BottleView);
      expect(new Set(views.map((v) => v.identity)).size).toBe(50);
      for (const [i, view] of views.entries()) {
        const meta = await readMetadata(view.identity);
        expect(meta).toMatchObject({ agent_name: runs[i]?.agent, cwd: runs[i]?.cwd, copy_cwd: false });
      }
      const listed = await listMine();
      expect(listed).toHaveLength(50);
      expect(listed.every((v) => v.status === 'running')).toBe(true);
    } finally {
      await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
    }
  }, 600_000);
});

const canMount = process.getuid?.() === 0;
describe.skipIf(!canMount)(`disk full in the state folder${canMount ? '' : ' (skipped: mounting a tmpfs needs root)'}`, () => {
  let mountPoint = '';
  beforeEach(async () => {
    mountPoint = await mkdtemp(join(tmpdir(), 'claude-bottle-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]);
    process.env.CLAUDE_BOTTLE_HOME = mountPoint;
  });
  afterEach(async () => {
    execFileSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  });

  it('a write that does not fit fails clearly and leaves the previous metadata and Dockerfile intact', async () => {
    const identity = 'scripted-full1';
    const meta = { identity, agent_name: 'scripted', cwd: '/tmp', copy_cwd: false, started_at: '2026-01-01T00:00:00+00:00' };
    await writeMetadata(meta);
    await writePerBottleDockerfile(identity, 'FROM old\n');
    // Fill the disk, leaving less than a block.
    const filler = join(claudeBottleRoot(), 'filler');
    await writeFile(filler, Buffer.alloc(200 * 1024)).catch(() => undefined);
    await writeFile(join(claudeBottleRoot(), 'filler2'), Buffer.alloc(64 * 1024)).catch(() => undefined);

    await expect(writePerBottleDockerfile(identity, `FROM new\n${'RUN echo x\n'.repeat(20_000)}`)).rejects.toThrow(/ENOSPC/);
    expect(await readPerBottleDockerfile(identity)).toBe('FROM old\n');
    await expect(writeMetadata({ ...meta, cwd: `/${'x'.repeat(60_000)}` })).rejects.toThrow(/ENOSPC/);
    expect(await readMetadata(identity)).toEqual(meta);
    // No temp file is left to eat the space.
    expect((await readdir(bottlePaths(identity).dir)).sort()).toEqual(['Dockerfile', 'metadata.json']);
  });

  it('the CLI reports a full disk in one line and writes nothing half', async () => {
    await mkdir(join(claudeBottleRoot(), 'agents'), { recursive: true });
    await writeTestAgent();
    await writeFile(join(claudeBottleRoot(), 'filler'), Buffer.alloc(250 * 1024)).catch(() => undefined);
    const result = await runCli(['start', 'scripted', '--cwd', project, '--detach'], { CLAUDE_BOTTLE_HOME: mountPoint });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^claude-bottle: [^\n]*ENOSPC[^\n]*\n$/);
    const state = await readdir(join(mountPoint, 'state')).catch(() => [] as string[]);
    for (const identity of state) {
      // Either no metadata at all, or a complete one: never a torn file.
      const raw = await readFile(join(mountPoint, 'state', identity, 'metadata.json'), 'utf8').catch(() => null);
      if (raw !== null) expect(() => JSON.parse(raw) as unknown).not.toThrow();
    }
  });
});
