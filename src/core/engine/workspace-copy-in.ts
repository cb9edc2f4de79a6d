import { lstat } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { errorMessage } from '../base/bottle-error';
import { WORKSPACE } from './bottle-mounts';
import { putFolders, type ArchiveEntry, type ArchiveOwner, type ArchiveSource } from './container-archive';
import type { EngineClient, EngineContainer } from './engine-client';
import { mountPoints, overlaps } from './container-rootfs';
import { engineFacts } from './engine-facts';
import { writeEntriesIntoLayer } from './layer-entries';
import { lowerDirsOf, makeLayerParents } from './layer-parents';
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
 * the same files a fraction of that. `alsoDirect`: one more folder target that goes the same way
 * (a resume's transcript, issue 23: 10 MB through the API cost ~150–400 ms of a ~900 ms resume),
 * its parents made in the layer as the image has them (layer-parents.ts). Once every folder with
 * content is in, the empty folders and the entries follow the same way (layer-entries.ts), so a
 * local launch makes no archive round trip at all. Anything else, and any failure of a direct copy
 * (which removes what it wrote), copies through the API as before.
 * `onFallback` hears why a direct copy that was tried did not happen (never for an engine where it
 * is not tried).
 */
export async function putFoldersWithWorkspace(
  engine: CopyInEngine,
  container: EngineContainer,
  sources: ArchiveSource[],
  owner: ArchiveOwner,
  entries: ArchiveEntry[],
  onFallback: (reason: string) => void = () => undefined,
  alsoDirect: string | null = null,
): Promise<CopyInWay> {
  const workspace = sources.find((source) => source.target === WORKSPACE && source.from !== null);
  const extra =
    alsoDirect === null
      ? undefined
      : sources.find(
          (source) => source !== workspace && source.from !== null && posix.normalize(source.target) === posix.normalize(alsoDirect),
        );
  const candidates = [
    ...(workspace === undefined ||
    overlapsWorkspace(
      sources.filter((source) => source !== workspace),
      entries,
    )
      ? []
      : [workspace]),
    // Entries inside it (the agent's login files) land after it either way: only another source inside it changes the order.
    ...(extra === undefined || sources.some((source) => source !== extra && inside(source.target, extra.target)) ? [] : [extra]),
  ];
  const layer = await writableLayer(engine, container);
  if (layer === null) {
    await putFolders(container, sources, owner, entries);
    return 'api';
  }
  const direct = new Set<ArchiveSource>();
  for (const source of candidates) if (await copyDirect(layer, source, owner, onFallback)) direct.add(source);
  const others = sources.filter((source) => !direct.has(source));
  // With every folder's content in, what is left (empty folders, then the entries) goes in the same way.
  const rest = others.every((source) => source.from === null)
    ? await entriesDirect(layer, [...others.map(emptyFolder), ...entries], owner, onFallback)
    : null;
  if (rest === null) await putFolders(container, others, owner, entries);
  else if (rest.length > 0) await putFolders(container, [], owner, rest);
  return direct.size > 0 || (rest !== null && rest.length < others.length + entries.length) ? 'direct' : 'api';
}

/** A source that makes an empty folder, as the archive's entry for it (putFolders packs it so). */
function emptyFolder(source: ArchiveSource): ArchiveEntry {
  return {
    target: source.target,
    type: 'directory',
    mode: source.readOnly === true ? 0o555 : 0o755,
    ...(source.owner ? { owner: source.owner } : {}),
  };
}

/** The entries written into the layer; what is left for the API (all of them when writing failed). */
async function entriesDirect(
  layer: WritableLayer,
  entries: ArchiveEntry[],
  owner: ArchiveOwner,
  onFallback: (reason: string) => void,
): Promise<ArchiveEntry[]> {
  if (entries.length === 0 || layer.lowers === null) return entries;
  try {
    return await writeEntriesIntoLayer({ upper: layer.upper, lowers: layer.lowers, mounts: layer.mounts }, entries, owner);
  } catch (error: unknown) {
    onFallback(`putting the bottle's files in through the engine instead: ${errorMessage(error)}`);
    return entries;
  }
}

/** One folder source written into the layer; false (and nothing of it left there) when it goes through the API instead. */
async function copyDirect(
  layer: WritableLayer,
  source: ArchiveSource,
  owner: ArchiveOwner,
  onFallback: (reason: string) => void,
): Promise<boolean> {
  if (source.from === null) return false;
  const target = posix.normalize(source.target);
  // Under a mount (or holding one) the engine's extraction writes into the mount, which the layer does not show.
  if (layer.mounts.some((mount) => overlaps(target, mount))) return false;
  try {
    // A folder at the root (/workspace) has no parents to make; a deeper one needs the image's layers.
    if (posix.dirname(target) !== '/' && (layer.lowers === null || !(await makeLayerParents(layer.upper, layer.lowers, target))))
      return false;
    const copy = { from: source.from, to: join(layer.upper, target), owner: source.owner ?? owner, readOnly: source.readOnly === true };
    await copyTreeInto(source.ignore === undefined ? copy : { ...copy, ignore: source.ignore }, process.umask());
    return true;
  } catch (error: unknown) {
    onFallback(`copying ${target === WORKSPACE ? 'the workspace' : target} through the engine instead: ${errorMessage(error)}`);
    return false;
  }
}

function inside(target: string, folder: string): boolean {
  const path = posix.normalize(target);
  const top = posix.normalize(folder);
  return path === top || path.startsWith(`${top}/`);
}

/** Another source or entry inside the workspace would land before it rather than after: only the API keeps the order. */
function overlapsWorkspace(sources: ArchiveSource[], entries: ArchiveEntry[]): boolean {
  return sources.some((source) => inside(source.target, WORKSPACE)) || entries.some((entry) => inside(entry.target, WORKSPACE));
}

/** A created container's writable layer on this machine (overlay2's UpperDir), and the image's layers under it (topmost first). */
interface WritableLayer {
  upper: string;
  lowers: string[] | null;
  /** Where volumes, binds and tmpfs mounts go in the container. */
  mounts: string[];
}

/**
 * The container's writable layer on this machine, when the direct copy may use it; null
 * otherwise. The folder's id is the engine's own random one: finding it here means this machine
 * holds the engine's files (a Docker Desktop VM's are not on the host).
 */
async function writableLayer(engine: CopyInEngine, container: EngineContainer): Promise<WritableLayer | null> {
  if (!engine.local || process.getuid?.() !== 0) return null;
  const facts = await engineFacts(engine.client);
  if (facts.storageDriver !== 'overlay2' || facts.remappedUsers || facts.labelsFiles) return null;
  const inspected = await container.inspect();
  const driver = inspected.GraphDriver;
  const data = driver.Data as Record<string, unknown>;
  const upper: unknown = driver.Name === 'overlay2' ? data.UpperDir : undefined;
  if (typeof upper !== 'string' || !isAbsolute(upper)) return null;
  // Not there, or not readable: not this machine's layer, and the API copy is the way.
  const info = await lstat(upper).catch((_error: unknown) => null);
  return info?.isDirectory() === true ? { upper, lowers: lowerDirsOf(data), mounts: mountPoints(inspected) } : null;
}
