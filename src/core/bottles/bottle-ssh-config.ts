import { TOOL_MOUNT } from '../engine/bottle-mounts';
import { ROOT_OWNER, type ArchiveEntry } from '../engine/container-archive';
import type { GatewayRoute } from './container-spec';

/*
 * ssh in a bottle behind the gateway (issue 19): a bottle has no route out, so ssh must reach a host
 * through the gateway's CONNECT, like every other TCP connection. The in-bottle tool's
 * claude-bottle-connect opens that tunnel; this system-wide ssh config makes ssh use it for every
 * host. It goes into ssh_config.d, which the ssh_config of Debian, Ubuntu and Fedora includes
 * before any `Host` block of its own, so its ProxyCommand wins over the image's defaults (an image
 * whose ssh_config has no such Include needs one in its Dockerfile); a user's ~/.ssh/config still
 * comes first (it has no way out but the gateway either). git runs ssh, which reads this file: no
 * GIT_SSH_COMMAND is needed, and none is set, so an agent's own choice of ssh command still works.
 *
 * Put into the container (root's, read-only to the agent) on local and remote engines alike, and
 * only when the bottle has a gateway: on the engine's default network ssh goes out as it always did.
 */

export const SSH_CONFIG_TARGET = '/etc/ssh/ssh_config.d/claude-bottle.conf';
export const CONNECT_COMMAND = `${TOOL_MOUNT}/bin/claude-bottle-connect`;

export const SSH_CONFIG = [
  '# claude-bottle: this bottle reaches the network only through its gateway; ssh goes through it too.',
  '# The operator allows a host with a HOST:22 rule (or answers the held request).',
  'Host *',
  `    ProxyCommand ${CONNECT_COMMAND} %h %p`,
  '',
].join('\n');

/** The ssh config entry of a bottle with this route; none on the engine's default network. */
export function sshConfigEntries(route: GatewayRoute | null): ArchiveEntry[] {
  if (route === null) return [];
  return [{ target: SSH_CONFIG_TARGET, type: 'file', content: Buffer.from(SSH_CONFIG), mode: 0o444, owner: ROOT_OWNER }];
}
