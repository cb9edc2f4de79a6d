import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { realpathSync } from 'node:fs';
import { sharedLibraries, TEST_NODE_BASE_IMAGE } from './node-base-image';
import { writeTestAgent } from './test-agents';

/*
 * A test agent whose image has a real OpenSSH client and what claude-bottle-connect tunnels with:
 * node, or bash and no node (no registry here: node comes from the node test base, ssh, bash and
 * the libraries `ldd` lists for them from this host), plus the
 * `/etc/ssh/ssh_config` Debian ships, which includes /etc/ssh/ssh_config.d/*.conf first. What a
 * bottle needs for ssh through its gateway, as a Debian-based agent image has it. Runs where the
 * engine is Linux on this machine's architecture, as the test engines are.
 */

const SSH = '/usr/bin/ssh';
const DEBIAN_SSH_CONFIG = 'Include /etc/ssh/ssh_config.d/*.conf\n\nHost *\n    SendEnv LANG LC_*\n    HashKnownHosts yes\n';

const BASH = '/usr/bin/bash';

/** Writes the agent `name` (it idles); with node, its image needs the node test base on the engine it builds on. */
export async function writeNetToolsAgent(name: string, tunnel: 'node' | 'bash' = 'node'): Promise<void> {
  const withNode = [
    `COPY --from=${TEST_NODE_BASE_IMAGE} /usr/bin/node /usr/bin/node`,
    `COPY --from=${TEST_NODE_BASE_IMAGE} /lib /lib`,
    `COPY --from=${TEST_NODE_BASE_IMAGE} /lib64 /lib64`,
  ];
  const dir = await writeTestAgent({
    name,
    script: 'exec sleep 3600',
    dockerfileExtra: [...(tunnel === 'node' ? withNode : []), 'COPY rootfs/ /', ''].join('\n'),
  });
  const rootfs = join(dir, 'rootfs');
  const binaries = tunnel === 'node' ? [SSH] : [SSH, BASH];
  for (const path of new Set(binaries.flatMap((binary) => [binary, ...sharedLibraries(binary)]))) {
    await mkdir(join(rootfs, dirname(path)), { recursive: true });
    await copyFile(realpathSync(path), join(rootfs, path));
  }
  await mkdir(join(rootfs, 'etc', 'ssh'), { recursive: true });
  await writeFile(join(rootfs, 'etc', 'ssh', 'ssh_config'), DEBIAN_SSH_CONFIG);
}
