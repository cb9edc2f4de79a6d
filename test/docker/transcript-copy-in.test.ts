import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../../src/core/engine/docker-client';
import { putFolders, type ArchiveEntry, type ArchiveSource } from '../../src/core/engine/container-archive';
import type { EngineClient, EngineContainer } from '../../src/core/engine/engine-client';
import { putFoldersWithWorkspace } from '../../src/core/engine/workspace-copy-in';
import { TEST_BASE_IMAGE, ensureTestBaseImage } from '../helpers/busybox-image';
import { execIn } from '../helpers/docker-exec';
import { rawDocker } from '../helpers/raw-docker';
import { skipWithoutDocker } from '../helpers/docker-available';

/*
 * Issue 23: a resume's transcript (10 MB in the bench) goes straight into the created container's
 * writable layer on a local overlay2 engine, as a copy-mode workspace does, instead of through the
 * engine's API. Deep in the image (/home/agent/.claude), its parents are made in the layer as the
 * image has them: the agent must see the same tree, the same parents (owner, mode, the sticky bit
 * of /tmp) and the login file put in after it, whichever way it went in. A parent the image lacks
 * goes through the API, as before.
 */

const skip = skipWithoutDocker || process.getuid?.() !== 0;
const AGENT = { uid: 1000, gid: 1000 };
let snapshot = '';
const made: EngineContainer[] = [];

beforeAll(async () => {
  snapshot = await mkdtemp(join(tmpdir(), 'claude-bottle-transcript-in-'));
  await mkdir(join(snapshot, 'projects', 'deep'), { recursive: true });
  await writeFile(join(snapshot, 'projects', 'deep', 'session.jsonl'), '{"turn":1}\n');
  await writeFile(join(snapshot, 'blob'), randomBytes(3 * 1024 * 1024));
  await writeFile(join(snapshot, 'private.txt'), 'mine\n');
  await chmod(join(snapshot, 'private.txt'), 0o600);
  await symlink('/etc/passwd', join(snapshot, 'outside-link'));
  const past = new Date('2021-03-04T05:06:07.890Z');
  await utimes(join(snapshot, 'projects', 'deep'), past, past);
});

afterAll(async () => {
  for (const container of made) await container.remove({ force: true });
  if (snapshot !== '') await rm(snapshot, { recursive: true, force: true });
});

async function created(client: EngineClient): Promise<EngineContainer> {
  const container = await client.createContainer({
    name: `claude-bottle-test-transcript-in-${randomBytes(4).toString('hex')}`,
    Image: TEST_BASE_IMAGE,
    Cmd: ['sleep', '600'],
    User: '1000:1000',
  });
  made.push(container);
  return container;
}

/** The parents and every entry under `target`, as root sees them in the started container; `fresh`: a parent whose time the new folder moves. */
async function listing(container: EngineContainer, target: string, parents: string[], fresh: string): Promise<string[]> {
  await container.start();
  const script = `for p in ${parents.join(' ')}; do stat -c "%n|%F|%a|%u:%g|%Y" "$p"; done
    cd ${target} && find . -exec sh -c 'for p; do stat -c "%n|%F|%a|%u:%g|%s|%Y" "$p" | tr -d "\\n"
    if [ -L "$p" ]; then printf " -> %s" "$(readlink "$p")"; elif [ -f "$p" ]; then printf " %s" "$(md5sum < "$p" | cut -c1-32)"; fi; echo
  done' sh {} +`;
  const { output, exitCode } = await execIn(container, ['sh', '-c', script], '0');
  expect(exitCode).toBe(0);
  // Made now either way: their times are the moment of the copy, the one thing that differs (the
  // two copies may fall in different seconds). The login file is written at the copy, and the
  // folder's own time moves when it lands there.
  return output
    .trim()
    .split('\n')
    .map((line) => (line.startsWith(`${fresh}|`) || line.startsWith('.|') ? line.replace(/\|\d+$/, '|now') : line))
    .map((line) => (line.startsWith('./.credentials.json|') ? line.replace(/\|\d+ /, '|now ') : line))
    .sort();
}

const login: ArchiveEntry = { target: '/home/agent/.claude/.credentials.json', type: 'file', content: Buffer.from('{}'), mode: 0o600 };

describe.skipIf(skip)(`a resume's transcript copied in${skip ? ' (skipped: needs the engine, and root to write its layer)' : ''}`, () => {
  it('gives the agent the same transcript, parents and login file written into the layer as through the engine API', async () => {
    const { docker } = connectDocker();
    await ensureTestBaseImage(rawDocker());
    const sources: ArchiveSource[] = [{ target: '/home/agent/.claude', from: snapshot }];
    const direct = await created(docker);
    const fallbacks: string[] = [];
    const way = await putFoldersWithWorkspace(
      { client: docker, local: true },
      direct,
      sources,
      AGENT,
      [login],
      (line) => fallbacks.push(line),
      '/home/agent/.claude',
    );
    expect(way).toBe('direct');
    expect(fallbacks).toEqual([]);
    const api = await created(docker);
    await putFolders(api, sources, AGENT, [login]);
    const parents = ['/home', '/home/agent'];
    const [viaLayer, viaApi] = [
      await listing(direct, '/home/agent/.claude', parents, '/home/agent'),
      await listing(api, '/home/agent/.claude', parents, '/home/agent'),
    ];
    expect(viaLayer).toEqual(viaApi);
    // The image's own time: the copy made /home in the layer as the engine's copy-up does.
    expect(viaLayer.find((line) => line.startsWith('/home|'))).toMatch(/^\/home\|directory\|755\|0:0\|\d+$/);
    expect(viaLayer.find((line) => line.startsWith('/home/agent|'))).toBe('/home/agent|directory|755|1000:1000|now');
    expect(viaLayer.find((line) => line.startsWith('./.credentials.json|'))).toMatch(
      /^\.\/\.credentials\.json\|regular file\|600\|1000:1000\|2\|/,
    );
    expect(viaLayer.find((line) => line.startsWith('./outside-link|'))).toMatch(/ -> \/etc\/passwd$/);
    expect(viaLayer.find((line) => line.startsWith('./projects/deep|'))).toBe('./projects/deep|directory|755|1000:1000|4096|1614834367');
  });

  it("keeps a parent's mode the image gives it (/tmp's sticky bit) when the folder goes in through the layer", async () => {
    const { docker } = connectDocker();
    const sources: ArchiveSource[] = [{ target: '/tmp/transcript', from: snapshot }];
    const direct = await created(docker);
    expect(
      await putFoldersWithWorkspace({ client: docker, local: true }, direct, sources, AGENT, [], () => undefined, '/tmp/transcript'),
    ).toBe('direct');
    const api = await created(docker);
    await putFolders(api, sources, AGENT);
    const [viaLayer, viaApi] = [
      await listing(direct, '/tmp/transcript', ['/tmp'], '/tmp'),
      await listing(api, '/tmp/transcript', ['/tmp'], '/tmp'),
    ];
    expect(viaLayer).toEqual(viaApi);
    expect(viaLayer.find((line) => line.startsWith('/tmp|'))).toBe('/tmp|directory|1777|0:0|now');
  });

  it('goes through the API when the image lacks a parent of the folder', async () => {
    const { docker } = connectDocker();
    const container = await created(docker);
    const sources: ArchiveSource[] = [{ target: '/not/in/image', from: snapshot }];
    expect(
      await putFoldersWithWorkspace({ client: docker, local: true }, container, sources, AGENT, [], () => undefined, '/not/in/image'),
    ).toBe('api');
    const records = await listing(container, '/not/in/image', [], '');
    expect(records.find((line) => line.startsWith('./blob|'))).toContain(`|1000:1000|${3 * 1024 * 1024}|`);
  });
});
