import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';

/*
 * A node base image for the gateway in tests (issue 19): no registry is reachable here, so no
 * node:22-slim. FROM scratch with this host's node binary and the libraries `ldd` lists for it
 * (research §3d). Works only where the engine runs Linux on this machine's architecture, as the
 * test engines do; the product builds the gateway FROM a real node base instead.
 */

const NODE = process.execPath;
const PASSWD = 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';

/** The tag names the node version: a host with another node gets another image. */
export const TEST_NODE_BASE_IMAGE = `claude-bottle-test-node-base:${process.version}`;

/** The absolute paths of the shared libraries a binary of this host loads (the dynamic loader included). */
export function sharedLibraries(binary: string): string[] {
  const lines = execFileSync('ldd', [binary], { encoding: 'utf8' }).split('\n');
  return lines.flatMap((line) => {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    return match?.[1] === undefined ? [] : [match[1]];
  });
}

function rootfsTar(): NodeJS.ReadableStream {
  const tar = pack();
  const dirs = new Set<string>();
  const dir = (name: string, mode = 0o755): void => {
    if (dirs.has(name)) return;
    dirs.add(name);
    tar.entry({ name, type: 'directory', mode });
  };
  const file = (path: string, content: Buffer | string, mode: number): void => {
    const parts = path.replace(/^\//, '').split('/');
    for (let i = 1; i < parts.length; i++) dir(parts.slice(0, i).join('/'));
    tar.entry({ name: parts.join('/'), mode }, content);
  };
  dir('tmp', 0o1777);
  file('/usr/bin/node', readFileSync(realpathSync(NODE)), 0o755);
  // Each library at the path the loader asks for, with the content of what that path leads to.
  for (const library of sharedLibraries(NODE)) file(library, readFileSync(realpathSync(library)), 0o755);
  file('/etc/passwd', PASSWD, 0o644);
  file('/etc/group', GROUP, 0o644);
  tar.finalize();
  return tar as unknown as NodeJS.ReadableStream;
}

/** `docker import` of that root filesystem; skipped when the tag exists. */
export async function ensureTestNodeBaseImage(docker: Docker): Promise<string> {
  try {
    await docker.getImage(TEST_NODE_BASE_IMAGE).inspect();
    return TEST_NODE_BASE_IMAGE;
  } catch (error: unknown) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  const [repo, tag] = TEST_NODE_BASE_IMAGE.split(':') as [string, string];
  const importImage = docker.importImage.bind(docker) as (file: NodeJS.ReadableStream, options: object) => Promise<NodeJS.ReadableStream>;
  const output = await importImage(rootfsTar(), { repo, tag, changes: ['ENV PATH=/usr/bin:/bin', 'USER 65534:65534'] });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(output, (error: Error | null) => (error ? reject(error) : resolve()));
  });
  await docker.getImage(TEST_NODE_BASE_IMAGE).inspect();
  return TEST_NODE_BASE_IMAGE;
}
