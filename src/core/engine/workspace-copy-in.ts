import { lstat } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { errorMessage } from '../base/bottle-error';
import { WORKSPACE } from './bottle-mounts';
import { putFolders, type ArchiveEntry, type ArchiveOwner, type ArchiveSource } from './container-archive';
import type { EngineClient, EngineContainer } from './engine-client';
import { engineFacts } from './engine-facts';
import { copyTreeInto } from './upper-dir-copy';

/** How a launch's folders went in: the workspace written into the container's layer, or all through the engine's API. */
export type CopyInWay = 'direct' | 'api';

/** The engine a container lives on, as the launch knows it. */
export interface CopyInEngine {
  client: EngineClient;
  /** On this machine (a unix socket): its files may be this machine's files. */
  local: boolean;
}

/**
 * putFolders, with a copy-mode workspace written straight into the created container's writable
 * layer when the engine keeps it here: a local overlay2 engine whose uids are ours (no user
 * namespace, not rootless) and that labels no files (no SELinux), and this process root (the
 * layer is root's). The engine's API copy of
 * 200 MB (a tar streamed from Node and unpacked by the engine) took about 2 s; a copy_file_range of
 * the same files a fraction of that. Anything else, and any failure of the direct copy (which
 * removes what it wrote), copies through the API as before. `onFallback` hears why a direct copy
 * that was tried did not happen (never for an engine where it is not tried).
 */
export async function putFoldersWithWorkspace(
  engine: CopyInEngine,
  container: EngineContainer,
  sources: ArchiveSource[],
  owner: ArchiveOwner,
  entries: ArchiveEntry[],
  onFallback: (reason: string) => void = () => undefined,
): Promise<CopyInWay> {
  const workspace = sources.find((source) => source.target === WORKSPACE && source.from !== null);
  const others = sources.filter((source) => source !== workspace);
  const layer = workspace === undefined || overlapsWorkspace(others, entries) ? null : await writableLayer(engine, container);
  if (workspace?.from == null || layer === null) {
    await putFolders(container, sources, owner, entries);
    return 'api';
  }
  const to = join(layer, posix.basename(WORKSPACE));
  try {
    const copy = { from: workspace.from, to, owner: workspace.owner ?? owner, readOnly: workspace.readOnly === true };
    await copyTreeInto(workspace.ignore === undefined ? copy : { ...copy, ignore: workspace.ignore }, process.umask());
  } catch (error: unknown) {
    onFallback(`copying the workspace through the engine instead: ${errorMessage(error)}`);
    await putFolders(container, sources, owner, entries);
    return 'api';
  }
  if (others.length > 0 || entries.length > 0) await putFolders(container, others, owner, entries);
  return 'direct';
}

/** Another source or entry inside the workspace would land before it rather than after: only the API keeps the order. */
function overlapsWorkspace(sources: ArchiveSource[], entries: ArchiveEntry[]): boolean {
  const inside = (target: string): boolean => {
    const path = posix.normalize(target);
    return path === WORKSPACE || path.startsWith(`${WORKSPACE}/`);
  };
  return sources.some((source) => inside(source.target)) || entries.some((entry) => inside(entry.target));
}

/**
 * The container's writable layer on this machine (overlay2's UpperDir), when the direct copy may
 * use it; null otherwise. The folder's id is the engine's own random one: finding it here means
 * this machine holds the engine's files (a Docker Desktop VM's are not on the host).
 */
async function writableLayer(engine: CopyInEngine, container: EngineContainer): Promise<string | null> {
  if (!engine.local || process.getuid?.() !== 0) return null;
  const facts = await engineFacts(engine.client);
  if (facts.storageDriver !== 'overlay2' || facts.remappedUsers || facts.labelsFiles) return null;
  const { GraphDriver: driver } = await container.inspect();
  const upper: unknown = driver.Name === 'overlay2' ? (driver.Data as Record<string, unknown>).UpperDir : undefined;
  if (typeof upper !== 'string' || !isAbsolute(upper)) return null;
  // Not there, or not readable: not this machine's layer, and the API copy is the way.
  const info = await lstat(upper).catch((_error: unknown) => null);
  return info?.isDirectory() === true ? upper : null;
}
