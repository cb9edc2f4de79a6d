import { existsSync } from 'node:fs';
import type { ContainerInfo, EngineClient } from './engine-client';
import { isValidIdentity, parseIdentity } from '../../shared/identity';
import { BottleError } from '../base/bottle-error';
import { instanceId } from '../state/instance-id';
import { claudeBottleRoot, stateDir } from '../state/state-paths';

export const LABEL_IDENTITY = 'claude-bottle.identity';
export const LABEL_AGENT = 'claude-bottle.agent';
export const LABEL_MANAGED = 'claude-bottle.managed';
/** The state root that made the container (its instance id, see state/instance-id.ts). */
export const LABEL_INSTANCE = 'claude-bottle.instance';
/** Names (never values) of declared secret variables this container holds because the launching shell passed them (issue 20). */
export const LABEL_SECRETS_FROM_ENVIRONMENT = 'claude-bottle.secrets-from-environment';

/**
 * The labels of every container we make (a bottle, or any helper container beside it): the
 * identity and agent, `managed`, and this state root's instance id, so that another instance on the
 * same engine never takes it for one of its own, nor we one of its for ours.
 */
export function bottleLabels(identity: string, agentName: string): Record<string, string> {
  return { [LABEL_IDENTITY]: parseIdentity(identity), [LABEL_AGENT]: agentName, [LABEL_MANAGED]: 'true', [LABEL_INSTANCE]: instanceId() };
}

/** Every container of any claude-bottle instance on the engine: found by label, never by name pattern (DESIGN.md §3). */
export async function listBottleContainers(docker: EngineClient, identity?: string): Promise<ContainerInfo[]> {
  const labels = [`${LABEL_MANAGED}=true`];
  if (identity !== undefined) labels.push(`${LABEL_IDENTITY}=${parseIdentity(identity)}`);
  return docker.listContainers({ all: true, filters: { label: labels } });
}

/**
 * Whether this state root made the container. Its instance label says so; a container without one
 * (made before the label existed, or by the Python CLI) is ours only when its bottle's state folder
 * is in our root. Anything else is another instance's: never ours to list as an orphan, stop or
 * remove (an unlabelled container with no state here is not provably ours, so it is left alone too).
 */
export function isOwnContainer(labels: Record<string, string> | undefined, instance: string = instanceId()): boolean {
  const label = labels?.[LABEL_INSTANCE];
  if (label !== undefined) return label === instance;
  const identity = labels?.[LABEL_IDENTITY];
  return identity !== undefined && isValidIdentity(identity) && existsSync(stateDir(identity));
}

/** The newest of one bottle's containers: ours, and (apart) another instance's with the same identity. */
export interface IdentityContainers {
  ours: ContainerInfo | null;
  other: ContainerInfo | null;
}

export async function bottleContainers(docker: EngineClient, identity: string): Promise<IdentityContainers> {
  const containers = await listBottleContainers(docker, identity);
  containers.sort((a, b) => b.Created - a.Created);
  const instance = instanceId();
  return {
    ours: containers.find((info) => isOwnContainer(info.Labels, instance)) ?? null,
    other: containers.find((info) => !isOwnContainer(info.Labels, instance)) ?? null,
  };
}

/** The bottle's container, newest first if (unexpectedly) there are several; null when this instance has none. */
export async function findBottleContainer(docker: EngineClient, identity: string): Promise<ContainerInfo | null> {
  return (await bottleContainers(docker, identity)).ours;
}

/** The one-line refusal for acting on a container this state root did not make. */
export function otherInstanceError(identity: string, action: string): BottleError {
  return new BottleError(
    'forbidden',
    `bottle ${identity} belongs to another claude-bottle instance on this engine (its container was not made under ${claudeBottleRoot()}): not ${action}`,
  );
}

/** `Exited (3) 2 minutes ago` → 3; the list endpoint carries the exit code only in that text. */
export function exitCodeFromStatus(status: string): number | null {
  const match = /^Exited \((-?\d+)\)/.exec(status);
  return match ? Number(match[1]) : null;
}
