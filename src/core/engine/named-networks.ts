import { LABEL_INSTANCE } from './bottle-containers';
import type { EngineClient, NetworkInspectInfo } from './engine-client';
import { ifContainerExists } from './if-engine-object-exists';

/*
 * Docker does not keep network names unique: two creations racing each other both pass its
 * duplicate check (seen on 20.10: two launches at once made two `claude-bottle-net-<id>`), and a
 * lookup by that name is then refused as ambiguous. So our networks are listed by name, never
 * looked up by it, and of twins the oldest is the one.
 */

/**
 * The networks with exactly this name, oldest first (ties by id, so every process picks the same).
 * `listed`: the engine's whole listing, when the caller has just read it (no request then).
 */
export async function networksNamed(docker: EngineClient, name: string, listed?: NetworkInspectInfo[]): Promise<NetworkInspectInfo[]> {
  // The `name` filter matches substrings: the exact name is picked out here.
  const named = (listed ?? (await docker.listNetworks({ filters: { name: [name] } }))).filter((network) => network.Name === name);
  return named.sort((a, b) => Date.parse(a.Created) - Date.parse(b.Created) || a.Id.localeCompare(b.Id));
}

export interface NamedNetwork {
  /** The oldest network of that name this instance made; null when it made none. */
  ours: NetworkInspectInfo | null;
  /** Whether a network of that name exists that this instance did not make. */
  others: boolean;
}

/**
 * The network of this name this instance made. The younger twins a race made are removed (they are
 * still empty: every racer settles on the same oldest one before it joins anything to it); a
 * twin something joined meanwhile is left, and the engine's refusal ignored, since the oldest works.
 * `listed`: as networksNamed's.
 */
export async function settleNamedNetwork(
  docker: EngineClient,
  name: string,
  instance: string,
  listed?: NetworkInspectInfo[],
): Promise<NamedNetwork> {
  const named = await networksNamed(docker, name, listed);
  const [ours, ...twins] = named.filter((network) => network.Labels?.[LABEL_INSTANCE] === instance);
  for (const twin of twins)
    await docker
      .getNetwork(twin.Id)
      .remove()
      .catch((error: unknown) => ifContainerExists(Promise.reject(error), [403, 409]));
  return { ours: ours ?? null, others: named.length > (ours === undefined ? 0 : 1 + twins.length) };
}
