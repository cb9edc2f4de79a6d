import { execFileSync } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeTestAgent } from './test-agents';

/**
 * The busybox test image has no git, and no registry is reachable to build one that has. So the
 * host's own git binary and every library `ldd` says it loads are copied into a test agent's
 * image at the same paths: inside the bottle the agent then runs a real git against its own
 * /workspace repository, and export is tested against commits made there, not faked on the host.
 */
export async function writeGitTestAgent(name = 'gitter'): Promise<string> {
  const gitPath = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const libraries = execFileSync('ldd', [gitPath], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /(\/\S+) \(0x/.exec(line)?.[1])
    .filter((path): path is string => path !== undefined);
  const dir = await writeTestAgent({ name, script: 'exec sleep 3600', dockerfileExtra: 'COPY rootfs/ /\n' });
  for (const path of [gitPath, ...libraries]) {
    const dest = join(dir, 'rootfs', path);
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(path, dest);
  }
  return dir;
}

/** The git line an agent in the bottle runs: a fixed identity, no host config. */
export function gitInBottle(...args: string[]): string[] {
  return ['git', '-c', 'user.name=Agent', '-c', 'user.email=agent@bottle.invalid', '-c', 'safe.directory=*', ...args];
}
