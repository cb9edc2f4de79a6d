import { access, statfs } from 'node:fs/promises';
import { constants } from 'node:fs';
import { isAbsolute, posix } from 'node:path';
import type { EngineClient, ContainerInspectInfo } from './engine-client';
import { engineFacts } from './engine-facts';

/** statfs's f_type of an overlay mount (linux/magic.h OVERLAYFS_SUPER_MAGIC). */
const OVERLAYFS_MAGIC = 0x794c7630;

/** What decides whether a container's files can be read on this host: the engine, and the container as inspected. */
export interface RootfsQuestion {
  docker: EngineClient;
  /** The engine is reached over a local socket (CoreDeps' engine.local). */
  local: boolean;
  inspected: ContainerInspectInfo;
  /** Absolute folders inside the container that would be read; none may be (in, or hold) a mount. */
  folders: string[];
}

/**
 * The host folder where a running or paused container's root filesystem is mounted, when its
 * folders can be copied from there instead of through the engine's archive stream; null
 * otherwise (the archive is then the way). Only for an engine on this machine, storing with
 * overlay2, whose merged folder this process can read, without user remapping, and only for
 * folders no volume or bind mount covers (those are not in the merged folder). A remote engine
 * whose merged path happens to exist here is not taken for local: the path must be an overlay
 * mount, and this process root, as the engine is.
 */
export async function hostRootfs(question: RootfsQuestion): Promise<string | null> {
  const { docker, local, inspected, folders } = question;
  if (!local || process.getuid?.() !== 0) return null;
  if (!inspected.State.Running) return null;
  const driver = inspected.GraphDriver as { Name?: unknown; Data?: Record<string, unknown> | null } | undefined;
  const merged = driver?.Data?.MergedDir;
  if (driver?.Name !== 'overlay2' || typeof merged !== 'string' || !isAbsolute(merged)) return null;
  const mounted = mountPoints(inspected);
  if (folders.some((folder) => mounted.some((target) => overlaps(folder, target)))) return null;
  try {
    if ((await engineFacts(docker)).remappedUsers) return null;
    await access(merged, constants.R_OK | constants.X_OK);
    if ((await statfs(merged)).type !== OVERLAYFS_MAGIC) return null;
  } catch (error: unknown) {
    // Not on this host, not readable, or the engine would not say: the archive stream copies it.
    void error;
    return null;
  }
  return merged;
}

/** Where the container's volumes, binds and tmpfs mounts go: none of it is in its root filesystem's layers. */
export function mountPoints(inspected: Pick<ContainerInspectInfo, 'Mounts' | 'HostConfig'>): string[] {
  // Volumes and binds are listed in Mounts; --tmpfs ones only in HostConfig.Tmpfs.
  return [...(inspected.Mounts ?? []).map((mount) => mount.Destination), ...Object.keys(inspected.HostConfig.Tmpfs ?? {})];
}

/** True when one of the two container paths is the other or inside it. */
export function overlaps(a: string, b: string): boolean {
  const [x, y] = [posix.normalize(`${a}/`), posix.normalize(`${b}/`)];
  return x.startsWith(y) || y.startsWith(x);
}
