import type Docker from 'dockerode';
import { parseIdentity } from '../../shared/identity';

export const LABEL_IDENTITY = 'claude-bottle.identity';
export const LABEL_AGENT = 'claude-bottle.agent';
export const LABEL_MANAGED = 'claude-bottle.managed';

/** Our containers are found by label, never by name pattern (DESIGN.md §3). */
export async function listBottleContainers(docker: Docker, identity?: string): Promise<Docker.ContainerInfo[]> {
  const labels = [`${LABEL_MANAGED}=true`];
  if (identity !== undefined) labels.push(`${LABEL_IDENTITY}=${parseIdentity(identity)}`);
  return docker.listContainers({ all: true, filters: { label: labels } });
}

/** The bottle's container, newest first if (unexpectedly) there are several; null when none. */
export async function findBottleContainer(docker: Docker, identity: string): Promise<Docker.ContainerInfo | null> {
  const containers = await listBottleContainers(docker, identity);
  containers.sort((a, b) => b.Created - a.Created);
  return containers[0] ?? null;
}

/** `Exited (3) 2 minutes ago` → 3; the list endpoint carries the exit code only in that text. */
export function exitCodeFromStatus(status: string): number | null {
  const match = /^Exited \((-?\d+)\)/.exec(status);
  return match ? Number(match[1]) : null;
}
