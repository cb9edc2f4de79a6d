import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../../src/core/engine/docker-client';
import { putFolders, ROOT_OWNER, type ArchiveEntry, type ArchiveSource } from '../../src/core/engine/container-archive';
import type { EngineClient, EngineContainer } from '../../src/core/engine/engine-client';
import { putFoldersWithWorkspace } from '../../src/core/engine/workspace-copy-in';
import { TEST_BASE_IMAGE, ensureTestBaseImage } from '../helpers/busybox-image';
import { execIn } from '../helpers/docker-exec';
import { rawDocker } from '../helpers/raw-docker';
import { skipWithoutDocker } from '../helpers/docker-available';

/*
 * Issue 23: the small files every local launch puts in (the gateway's CA, the ssh config, the
 * login placeholders, the folders the agent is handed) are written straight into the created
 * container's writable layer instead of one archive through the engine (its round trip was 55-70 ms
 * of every start and resume). The agent must find what the engine's extraction of the same archive
 * gives it: owners, modes, times, contents, an image file replaced, missing parents made root's
 * 0755; and an entry the layer cannot take the engine's way goes, with the rest, through the API.
 */

const skip = skipWithoutDocker || process.getuid?.() !== 0;
const AGENT = { uid: 1000, gid: 1000 };
const PAST = new Date('2020-01-02T03:04:05Z');
const made: EngineContainer[] = [];

afterAll(async () => {
  for (const container of made) await container.remove({ force: true });
});

async function created(client: EngineClient, image = TEST_BASE_IMAGE, volumes: Record<string, object> = {}): Promise<EngineContainer> {
  const container = await client.createContainer({
    name: `claude-bottle-test-entries-in-${randomBytes(4).toString('hex')}`,
    Image: image,
    Cmd: ['sleep', '600'],
    User: '1000:1000',
    Labels: { 'claude-bottle.test': 'entries-copy-in' },
    Volumes: volumes,
  });
  made.push(container);
  return container;
}

/** A launch's shape: a folder handed to the agent, the CA, a file of the image's replaced, an ssh config whose parents the image lacks, a login file. */
const sources: ArchiveSource[] = [{ target: '/home/agent', from: null, owner: AGENT }];
const entries: ArchiveEntry[] = [
  { target: '/etc/claude-bottle', type: 'directory', mode: 0o755, owner: ROOT_OWNER, mtime: PAST },
  {
    target: '/etc/claude-bottle/gateway-ca.pem',
    type: 'file',
    content: Buffer.from('-----CA-----\n'),
    mode: 0o644,
    owner: ROOT_OWNER,
    mtime: PAST,
  },
  { target: '/etc/group', type: 'file', content: Buffer.from('replaced\n'), mode: 0o444, owner: ROOT_OWNER, mtime: PAST },
  {
    target: '/etc/ssh/ssh_config.d/claude-bottle.conf',
    type: 'file',
    content: Buffer.from('Host *\n'),
    mode: 0o444,
    owner: ROOT_OWNER,
    mtime: PAST,
  },
  { target: '/home/agent/.config/login.json', type: 'file', content: Buffer.from('{"token":"placeholder"}'), mode: 0o600, mtime: PAST },
];

/** Every path the launch touched, as root sees it in the started container; `fresh`: folders whose time is the moment of the copy or of the container's creation (/etc: the engine writes its hosts files in). */
async function listing(container: EngineContainer, fresh: string[], extra: string[] = []): Promise<string[]> {
  await container.start();
  const paths = ['/etc', '/etc/claude-bottle', '/etc/claude-bottle/gateway-ca.pem', '/etc/group', '/etc/ssh', '/etc/ssh/ssh_config.d'];
  const more = [
    '/etc/ssh/ssh_config.d/claude-bottle.conf',
    '/home',
    '/home/agent',
    '/home/agent/.config',
    '/home/agent/.config/login.json',
  ];
  const script = `for p in ${[...paths, ...more, ...extra].join(' ')}; do stat -c "%n|%F|%a|%u:%g|%s|%Y" "$p" 2>/dev/null | tr -d "\\n"
    if [ -f "$p" ]; then printf " %s" "$(cat "$p")"; fi; echo; done`;
  const { output, exitCode } = await execIn(container, ['sh', '-c', script], '0');
  expect(exitCode).toBe(0);
  return output
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (fresh.some((path) => line.startsWith(`${path}|`)) ? line.replace(/\|\d+$/, '|now') : line));
}

/** An image whose /opt/x/cfg (the agent's, 777) a later layer hides: /opt/x deleted and made again (an opaque folder). */
async function buildOpaqueImage(tag: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'claude-bottle-test-opaque-'));
  try {
    const steps = ['mkdir -p /opt/x/cfg && chown 1000:1000 /opt/x/cfg && chmod 777 /opt/x/cfg', 'rm -rf /opt/x && mkdir /opt/x'];
    await writeFile(join(dir, 'Dockerfile'), `FROM ${TEST_BASE_IMAGE}\n${steps.map((step) => `RUN ${step}\n`).join('')}`);
    await promisify(execFile)('docker', ['build', '-q', '--label', 'claude-bottle.test=entries-copy-in', '-t', tag, dir]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Past the next whole second: the two ways' "now" times then always differ, so a listing that compares one shows it. */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 50));
}

/** What the engine says happened to the container since `from` (seconds): an archive put is "extract-to-dir". */
async function engineActions(container: EngineContainer, from: number): Promise<string[]> {
  const events = await rawDocker().getEvents({
    since: from,
    until: Math.ceil(Date.now() / 1000) + 1,
    filters: { container: [container.id] },
  });
  const text = await new Promise<string>((resolve) => {
    let all = '';
    events.on('data', (chunk: Buffer) => (all += chunk.toString('utf8')));
    events.on('end', () => resolve(all));
  });
  return text
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { Action: string }).Action);
}

describe.skipIf(skip)(
  `a launch's files written into the layer${skip ? ' (skipped: needs the engine, and root to write its layer)' : ''}`,
  () => {
    it('gives the agent what the engine API gives it, with no archive put', async () => {
      const { docker } = connectDocker();
      await ensureTestBaseImage(rawDocker());
      const from = Math.floor(Date.now() / 1000) - 1;
      const direct = await created(docker);
      const fallbacks: string[] = [];
      const way = await putFoldersWithWorkspace({ client: docker, local: true }, direct, sources, AGENT, entries, (line) =>
        fallbacks.push(line),
      );
      expect(fallbacks).toEqual([]);
      expect(way).toBe('direct');
      await nextSecond();
      const api = await created(docker);
      await putFolders(api, sources, AGENT, entries);
      // /etc and /home move as the entries land in them; the folders made as parents have no time of their own in the archive.
      const fresh = ['/etc', '/etc/ssh', '/etc/ssh/ssh_config.d', '/home', '/home/agent', '/home/agent/.config'];
      const [viaLayer, viaApi] = [await listing(direct, fresh), await listing(api, fresh)];
      expect(viaLayer).toEqual(viaApi);
      expect(viaLayer).toContain('/etc/group|regular file|444|0:0|9|1577934245 replaced');
      expect(viaLayer).toContain('/etc/ssh/ssh_config.d|directory|755|0:0|4096|now');
      expect(viaLayer).toContain('/home/agent/.config/login.json|regular file|600|1000:1000|23|1577934245 {"token":"placeholder"}');
      expect(viaLayer).toContain('/etc/claude-bottle|directory|755|0:0|4096|1577934245');
      // The engine's account: an archive was put into the API's container, none into the other.
      expect(await engineActions(api, from)).toContain('extract-to-dir');
      expect(await engineActions(direct, from)).not.toContain('extract-to-dir');
    });

    it('puts an entry it cannot write the engine’s way (a file where the image has a folder) and every one after it through the API', async () => {
      const { docker } = connectDocker();
      const odd: ArchiveEntry[] = [
        entries[1] as ArchiveEntry,
        { target: '/tmp', type: 'file', content: Buffer.from('not a folder\n'), mode: 0o644, owner: ROOT_OWNER, mtime: PAST },
        entries[4] as ArchiveEntry,
      ];
      const from = Math.floor(Date.now() / 1000) - 1;
      const direct = await created(docker);
      expect(await putFoldersWithWorkspace({ client: docker, local: true }, direct, [], AGENT, odd)).toBe('direct');
      await nextSecond();
      const api = await created(docker);
      await putFolders(api, [], AGENT, odd);
      const fresh = ['/etc', '/etc/claude-bottle', '/home', '/home/agent', '/home/agent/.config'];
      const clean = (lines: string[]): string[] => lines.filter((line) => !line.includes('No such file'));
      expect(clean(await listing(direct, fresh))).toEqual(clean(await listing(api, fresh)));
      expect((await execIn(direct, ['cat', '/tmp'], '0')).output).toBe('not a folder\n');
      expect(await engineActions(direct, from)).toContain('extract-to-dir');
    });

    it('puts through the API what goes under a volume (the engine writes it into the volume, which the layer does not show)', async () => {
      const { docker } = connectDocker();
      const login: ArchiveEntry = {
        target: '/home/agent/.cfg/login.json',
        type: 'file',
        content: Buffer.from('{}'),
        mode: 0o600,
        mtime: PAST,
      };
      const volumeSources: ArchiveSource[] = [{ target: '/home/agent/.cfg', from: null, owner: AGENT }];
      const direct = await created(docker, TEST_BASE_IMAGE, { '/home/agent/.cfg': {} });
      expect(await putFoldersWithWorkspace({ client: docker, local: true }, direct, volumeSources, AGENT, [login])).toBe('api');
      await nextSecond();
      const api = await created(docker, TEST_BASE_IMAGE, { '/home/agent/.cfg': {} });
      await putFolders(api, volumeSources, AGENT, [login]);
      const fresh = ['/etc', '/home', '/home/agent', '/home/agent/.cfg'];
      const extra = ['/home/agent/.cfg/login.json'];
      const viaLayer = await listing(direct, fresh, extra);
      expect(viaLayer).toEqual(await listing(api, fresh, extra));
      expect(viaLayer).toContain('/home/agent/.cfg/login.json|regular file|600|1000:1000|2|1577934245 {}');
    });

    it('leaves to the API a parent the image may hide (a folder deleted and made again in a later layer)', async () => {
      const { docker } = connectDocker();
      const image = 'claude-bottle-test-entries-opaque:latest';
      const ca: ArchiveEntry = {
        target: '/opt/x/cfg/ca.pem',
        type: 'file',
        content: Buffer.from('CA\n'),
        mode: 0o644,
        owner: ROOT_OWNER,
        mtime: PAST,
      };
      await buildOpaqueImage(image);
      try {
        const direct = await created(docker, image);
        expect(await putFoldersWithWorkspace({ client: docker, local: true }, direct, [], AGENT, [ca])).toBe('api');
        await nextSecond();
        const api = await created(docker, image);
        await putFolders(api, [], AGENT, [ca]);
        const fresh = ['/etc', '/opt/x', '/opt/x/cfg'];
        const extra = ['/opt/x', '/opt/x/cfg', '/opt/x/cfg/ca.pem'];
        const viaLayer = await listing(direct, fresh, extra);
        expect(viaLayer).toEqual(await listing(api, fresh, extra));
        // The engine made the folder root's: the hidden one of the earlier layer (the agent's, 777) is not what the agent gets.
        expect(viaLayer).toContain('/opt/x/cfg|directory|755|0:0|4096|now');
      } finally {
        for (const container of made.splice(0)) await container.remove({ force: true });
        await rawDocker().getImage(image).remove({ force: true });
      }
    });
  },
);
