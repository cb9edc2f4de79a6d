import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractFolder, SnapshotBudget, SnapshotTooLargeError, type ExtractedFolder } from '../../src/core/engine/container-archive';
import { hostRootfs } from '../../src/core/engine/container-rootfs';
import { EngineClient, type EngineContainer } from '../../src/core/engine/engine-client';
import { copyRootfsFolder, type RootfsCopy } from '../../src/core/engine/rootfs-copy';
import { TEST_BASE_IMAGE } from '../helpers/busybox-image';
import { tempDir } from '../helpers/changes-fixtures';
import { skipWithoutDocker } from '../helpers/docker-available';
import { eventually, execIn } from '../helpers/docker-exec';
import { rawDocker } from '../helpers/raw-docker';
import { entryTree } from '../helpers/entry-tree';

/*
 * A checkpoint of a paused container on this host copies its folders from the container's root
 * filesystem (copyRootfsFolder) instead of the engine's archive (extractFolder). Both must give the
 * same tree, count the same budget and refuse the same things, on a workspace an agent shaped to
 * hurt: links out of it (absolute, to the host, ../ past the root), names with newlines and escapes,
 * FIFOs and devices, a hard-linked pair and a hard link to /etc/passwd, odd modes, a big file.
 */

const TRANSCRIPT = '/home/agent/.transcript';
const AGENT = [
  'mkdir -p /workspace/sub/deep /workspace/empty /workspace/locked && cd /workspace',
  'ln -s /etc/passwd abs-link',
  'ln -s /tmp/claude-bottle-host-marker host-link',
  'ln -s ../../../../../../../../tmp rel-link',
  'ln -s ../../.. sub/up',
  'ln /etc/passwd hard-passwd',
  'echo inside > inner.txt && ln inner.txt inner-hard',
  'mkfifo fifo sub/fifo',
  'mknod null-dev c 1 3',
  "printf 'x' > \"$(printf 'new\\nline\\033]0;title\\007\\033[31mred\\342\\200\\256txt')\"",
  'echo secret-ish > sub/deep/private && chmod 600 sub/deep/private',
  'echo shared > sub/open && chmod 666 sub/open',
  'echo run > sub/setuid && chmod 4755 sub/setuid',
  "touch -d '2001-02-03 04:05:06' sub/old",
  'echo locked > locked/f && chmod 555 locked',
  'dd if=/dev/urandom of=big.bin bs=1024 count=3072 2>/dev/null',
  `mkdir -p ${TRANSCRIPT}/logs && echo turn > ${TRANSCRIPT}/logs/1.txt && echo token > ${TRANSCRIPT}/login.json`,
  `ln -s /etc ${TRANSCRIPT}/etc-link && mkfifo ${TRANSCRIPT}/fifo`,
  'ln -s /workspace /linked-workspace',
  'mkdir -p /odd/sub && echo x > /odd/first && echo y > "/odd/sub/$(printf \'bad\\377name\')"',
  // 200 names of one file, across several batches of lstats: the first name (bytewise) is the one kept.
  'mkdir -p /flood/inner && echo once > /flood/inner/a-first && i=0; while [ $i -lt 200 ]; do ln /flood/inner/a-first /flood/inner/link-$i; i=$((i+1)); done',
  'touch /tmp/agent-done',
  'exec sleep 3600',
].join('\n');

function copied(result: RootfsCopy): ExtractedFolder {
  if (result === null || result === 'stream') throw new Error(`expected a direct copy, got ${String(result)}`);
  return result;
}

const docker = skipWithoutDocker ? null : rawDocker();
let container: Docker.Container | null = null;
let engineContainer: EngineContainer | null = null;
let rootfs: string | null = null;
let out = '';
/** Why the direct copy cannot be tried on this engine (not overlay2 on this host), null when it can. */
let unusable: string | null = null;

describe.skipIf(skipWithoutDocker)('checkpoint: the direct copy from the host matches the engine archive', () => {
  beforeAll(async () => {
    if (docker === null) return;
    out = await tempDir('direct-copy-');
    container = await docker.createContainer({
      Image: TEST_BASE_IMAGE,
      Cmd: ['sh', '-c', AGENT],
      Labels: { 'claude-bottle.test': 'checkpoint-direct-copy' },
      HostConfig: { Tmpfs: { '/scratch': '' } },
    });
    await container.start();
    const running = container;
    await eventually(async () => expect((await execIn(running, ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 30_000);
    await container.pause();
    const client = new EngineClient(docker);
    engineContainer = client.getContainer(container.id);
    const inspected = await engineContainer.inspect();
    rootfs = await hostRootfs({ docker: client, local: true, inspected, folders: ['/workspace', TRANSCRIPT] });
    if (rootfs === null) unusable = `the engine stores with ${inspected.GraphDriver.Name}, not overlay2 mounted on this host`;
  }, 120_000);

  afterAll(async () => {
    if (container !== null) await container.remove({ force: true });
    if (out !== '') await rm(out, { recursive: true, force: true });
  });

  it('gives the same workspace and transcript, counting the same budget, as the archive', async (context) => {
    if (unusable !== null) return context.skip(unusable);
    const [direct, streamed] = [new SnapshotBudget(1e9), new SnapshotBudget(1e9)];
    const a = copied(await copyRootfsFolder(rootfs as string, '/workspace', join(out, 'a', 'workspace'), direct));
    const b = await extractFolder(engineContainer as EngineContainer, '/workspace', join(out, 'b', 'workspace'), streamed);
    const ta = copied(
      await copyRootfsFolder(rootfs as string, TRANSCRIPT, join(out, 'a', 'transcript'), direct, { exclude: ['login.json'] }),
    );
    const tb = await extractFolder(engineContainer as EngineContainer, TRANSCRIPT, join(out, 'b', 'transcript'), streamed, {
      exclude: ['login.json'],
    });
    const [workspace, transcript] = [await entryTree(a.temp), await entryTree(ta.temp)];
    expect(workspace).toEqual(await entryTree((b as ExtractedFolder).temp));
    expect(transcript).toEqual(await entryTree((tb as ExtractedFolder).temp));
    expect(direct.used).toBe(streamed.used);
    // What both keep, spelled out: links as links, no FIFO or device, the first name of a hard-linked pair.
    expect(workspace['abs-link']).toBe('link /etc/passwd');
    expect(workspace['host-link']).toBe('link /tmp/claude-bottle-host-marker');
    expect(workspace['sub/up']).toBe('link ../../..');
    expect(Object.values(workspace).filter((entry) => entry === 'other')).toEqual([]);
    expect(workspace['inner-hard']).toMatch(/^file 644 .* nlink 1$/);
    expect(workspace['inner.txt']).toBeUndefined();
    expect(workspace['hard-passwd']).toMatch(/^file 644 /);
    expect(workspace['sub/setuid']).toMatch(/^file 755 /);
    expect(workspace['sub/old']).toMatch(/ 981173106000 nlink 1$/);
    expect(workspace['locked']).toBe('dir 555');
    expect(Object.keys(workspace).some((name) => name.startsWith('new\nline'))).toBe(true);
    expect(transcript).toEqual({ logs: 'dir 755', 'logs/1.txt': expect.stringMatching(/^file 644 /) as unknown, 'etc-link': 'link /etc' });
    expect((await lstat(a.temp)).mode & 0o777).toBe(0o700);
  });

  it('refuses a workspace past its budget as the archive does, keeping nothing', async (context) => {
    if (unusable !== null) return context.skip(unusable);
    const limit = 2 * 1024 * 1024;
    const dest = join(out, 'over', 'workspace');
    await expect(copyRootfsFolder(rootfs as string, '/workspace', dest, new SnapshotBudget(limit))).rejects.toThrow(SnapshotTooLargeError);
    await expect(extractFolder(engineContainer as EngineContainer, '/workspace', dest, new SnapshotBudget(limit))).rejects.toThrow(
      SnapshotTooLargeError,
    );
    expect(await readdir(join(out, 'over'))).toEqual([]);
  });

  it('leaves to the archive a folder of more names than it may hold (the archive streams it, same budget); under that, it copies what the archive does', async (context) => {
    if (unusable !== null) return context.skip(unusable);
    const budget = new SnapshotBudget(1e9);
    budget.used = 1000;
    // The cap counts the names read in every folder together: 1 + 201 here.
    expect(await copyRootfsFolder(rootfs as string, '/flood', join(out, 'flood-over', 'copy'), budget, { maxEntries: 201 })).toBe('stream');
    expect(budget.used).toBe(1000);
    expect(await readdir(join(out, 'flood-over'))).toEqual([]);

    const [direct, streamed] = [new SnapshotBudget(1e9), new SnapshotBudget(1e9)];
    const a = copied(await copyRootfsFolder(rootfs as string, '/flood', join(out, 'flood-a', 'copy'), direct, { maxEntries: 202 }));
    const b = await extractFolder(engineContainer as EngineContainer, '/flood', join(out, 'flood-b', 'copy'), streamed);
    const tree = await entryTree(a.temp);
    expect(tree).toEqual(await entryTree((b as ExtractedFolder).temp));
    expect(direct.used).toBe(streamed.used);
    expect(Object.keys(tree).sort()).toEqual(['inner', 'inner/a-first']);
  });

  it('leaves to the archive a folder reached through a link or holding a name that is not UTF-8, and finds no folder where the container has none', async (context) => {
    if (unusable !== null) return context.skip(unusable);
    expect(await copyRootfsFolder(rootfs as string, '/linked-workspace', join(out, 'linked'))).toBe('stream');
    expect(await copyRootfsFolder(rootfs as string, '/workspace/abs-link', join(out, 'file-link'))).toBe('stream');
    expect(await copyRootfsFolder(rootfs as string, '/no/such/folder', join(out, 'none'))).toBeNull();
    // A name that is not UTF-8 (the extraction writes it decoded): the archive's copy, the budget given back, nothing left.
    const budget = new SnapshotBudget(1e9);
    budget.used = 1000;
    expect(await copyRootfsFolder(rootfs as string, '/odd', join(out, 'odd', 'copy'), budget)).toBe('stream');
    expect(budget.used).toBe(1000);
    expect(await readdir(join(out, 'odd'))).toEqual([]);
  });

  it('is not used for a folder under a mount, an engine elsewhere, or a container that is not running', async (context) => {
    if (unusable !== null) return context.skip(unusable);
    const client = new EngineClient(docker as Docker);
    const inspected = await (engineContainer as EngineContainer).inspect();
    expect(await hostRootfs({ docker: client, local: true, inspected, folders: ['/scratch/work'] })).toBeNull();
    expect(await hostRootfs({ docker: client, local: true, inspected, folders: ['/'] })).toBeNull();
    expect(await hostRootfs({ docker: client, local: false, inspected, folders: ['/workspace'] })).toBeNull();
    const stopped = { ...inspected, State: { ...inspected.State, Running: false } };
    expect(await hostRootfs({ docker: client, local: true, inspected: stopped, folders: ['/workspace'] })).toBeNull();
    const elsewhere = { ...inspected, GraphDriver: { ...inspected.GraphDriver, Data: { ...inspected.GraphDriver.Data, MergedDir: out } } };
    expect(await hostRootfs({ docker: client, local: true, inspected: elsewhere, folders: ['/workspace'] })).toBeNull();
  });
});
