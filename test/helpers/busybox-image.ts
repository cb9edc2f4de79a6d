import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';

/** The local base image every Docker test builds on (no registry is reachable here). */
export const TEST_BASE_IMAGE = 'claude-bottle-test-base:latest';
const BUSYBOX = '/bin/busybox';

/** A non-root user, so tests prove the agent's user can write /workspace and its inbox. */
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nagent:x:1000:1000:agent:/home/agent:/bin/sh\n';
const GROUP = 'root:x:0:\nagent:x:1000:\n';

function rootfsTar(): NodeJS.ReadableStream {
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const tar = pack();
  const dir = (name: string, mode: number, uid = 0): void => {
    tar.entry({ name, type: 'directory', mode, uid, gid: uid });
  };
  for (const name of ['bin', 'etc', 'usr', 'usr/bin', 'opt', 'run', 'var']) dir(name, 0o755);
  dir('root', 0o700);
  dir('tmp', 0o1777);
  dir('home', 0o755);
  dir('home/agent', 0o755, 1000);
  tar.entry({ name: 'bin/busybox', mode: 0o755 }, readFileSync(BUSYBOX));
  for (const applet of applets) {
    if (applet === 'busybox') continue;
    tar.entry({ name: `bin/${applet}`, type: 'symlink', linkname: 'busybox', mode: 0o777 });
  }
  tar.entry({ name: 'etc/passwd', mode: 0o644 }, PASSWD);
  tar.entry({ name: 'etc/group', mode: 0o644 }, GROUP);
  tar.finalize();
  return tar as unknown as NodeJS.ReadableStream;
}

/** `docker import` of a busybox root filesystem; skipped when the tag already exists. */
export async function ensureTestBaseImage(docker: Docker): Promise<void> {
  try {
    await docker.getImage(TEST_BASE_IMAGE).inspect();
    return;
  } catch (error: unknown) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  const [repo, tag] = TEST_BASE_IMAGE.split(':') as [string, string];
  const importImage = docker.importImage.bind(docker) as (file: NodeJS.ReadableStream, options: object) => Promise<NodeJS.ReadableStream>;
  const output = await importImage(rootfsTar(), { repo, tag, changes: ['CMD ["/bin/sh"]', 'ENV PATH=/bin:/usr/bin'] });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(output, (error: Error | null) => (error ? reject(error) : resolve()));
  });
  await docker.getImage(TEST_BASE_IMAGE).inspect();
}
