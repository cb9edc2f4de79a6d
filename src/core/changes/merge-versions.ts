import { MERGE_TEXT_MAX_BYTES, sidecarName, type FileChange, type MergeSide, type MergeVersions } from '../../shared/changes';
import { BottleError } from '../base/bottle-error';
import { isDirectory } from '../fs/is-directory';
import type { Comparison } from './bottle-changes';
import { selectChanges } from './change-select';
import { looksBinary, readHostFile } from './content-digest';
import { hostMatchesApplied, hostVersion } from './host-state';
import { hostPathOf } from './relative-path';
import { threeWayMerge } from './three-way-merge';

/** A conflicting file the merge view can resolve: the agent's side is a file, and so is the operator's. */
export interface MergeTarget {
  change: FileChange;
  path: string;
  root: string;
}

/**
 * The change `rawPath` names, checked to be a conflict the merge view can resolve: copy mode, the
 * project folder there, the agent's version a file (not a deletion, a rename or a link) and the
 * project's a regular file. Anything else is one line saying why, before anything is read.
 */
export async function mergeTarget(identity: string, comparison: Comparison, rawPath: string): Promise<MergeTarget> {
  const { metadata, baseline } = comparison.bottle;
  if (!metadata.copy_cwd || baseline.mode !== 'copy')
    throw new BottleError('unsupported', `bottle ${identity} works on the project folder itself (mount mode): there is nothing to merge`);
  if (!(await isDirectory(baseline.cwd))) throw new BottleError('not-found', `the project folder ${baseline.cwd} is gone`);
  const [change] = selectChanges(identity, comparison.set.files, [rawPath]);
  if (change === undefined) throw new BottleError('not-found', `${rawPath} is not among the changes of ${identity}`);
  const path = change.path;
  if (!change.conflict) throw new BottleError('conflict', `${path} is not in conflict: there is nothing to resolve`);
  if (change.status === 'deleted' || change.status === 'renamed' || change.kind !== 'file')
    throw new BottleError(
      'unsupported',
      `${path}: the agent ${change.status === 'deleted' ? 'deleted it' : change.status === 'renamed' ? 'renamed it' : 'made it a symlink'}; resolve it by hand in the project folder`,
    );
  const host = await hostVersion(baseline.cwd, path);
  if (host.kind !== 'file')
    throw new BottleError(
      'unsupported',
      `${path} in the project folder is ${host.kind === 'absent' ? 'gone' : host.kind === 'symlink' ? 'a symlink' : host.what}: resolve it by hand`,
    );
  return { change, path, root: baseline.cwd };
}

/** A side from its bytes: text only when whole, not binary, and valid UTF-8 (so saving it changes no byte). */
function sideOf(data: Buffer, complete: boolean, size: number, oid: string | null): MergeSide {
  const binary = looksBinary(data);
  const text = complete && !binary ? data.toString('utf8') : null;
  const exact = text !== null && Buffer.from(text, 'utf8').equals(data);
  return { kind: 'file', text: exact ? text : null, size, oid, binary: binary || (text !== null && !exact) };
}

const ABSENT: MergeSide = { kind: 'absent', text: '', size: 0, oid: null, binary: false };

async function baseSide(comparison: Comparison, path: string): Promise<MergeSide> {
  const entry = comparison.bottle.baseline.entries[path];
  if (entry === undefined) return ABSENT;
  if (entry.kind === 'symlink') return { kind: 'symlink', text: null, size: 0, oid: null, binary: false };
  const read = await comparison.base.read(path, MERGE_TEXT_MAX_BYTES);
  if (read === null) return { kind: 'file', text: null, size: entry.size, oid: null, binary: false };
  return sideOf(read.data, read.complete, entry.size, await comparison.base.oid(path));
}

/** Why there is no line merge, or null when all three sides are text. */
function whyNoMerge(base: MergeSide, host: MergeSide, agent: MergeSide): string | null {
  const sides: [string, MergeSide][] = [
    ['your version', host],
    ['the agent’s version', agent],
  ];
  for (const [name, side] of sides) {
    if (side.binary) return `${name} is binary: take one side whole`;
    if (side.text === null) return `${name} is larger than ${MERGE_TEXT_MAX_BYTES / 1024} KiB: take one side whole`;
  }
  if (base.kind === 'symlink') return 'it was a symlink at the start: take one side whole';
  if (base.binary) return 'it was binary at the start: take one side whole';
  if (base.kind === 'file' && base.text === null && base.size > MERGE_TEXT_MAX_BYTES)
    return `it was larger than ${MERGE_TEXT_MAX_BYTES / 1024} KiB at the start: take one side whole`;
  return null;
}

/** Our own copy of the agent's version beside the file (an earlier apply's), if it is still as we wrote it. */
export async function ourSidecar(identity: string, comparison: Comparison, target: MergeTarget): Promise<string | null> {
  const sidecar = sidecarName(target.path, identity);
  const ours = comparison.applied.files[sidecar];
  if (ours === undefined) return null;
  return (await hostMatchesApplied(await hostVersion(target.root, sidecar), ours)) ? sidecar : null;
}

/**
 * The three versions of a conflicting file (the start, the operator's, the agent's) and a line
 * merge of them with conflict markers where both changed the same lines: what the merge view shows.
 */
export async function readMergeVersions(identity: string, comparison: Comparison, rawPath: string): Promise<MergeVersions> {
  const target = await mergeTarget(identity, comparison, rawPath);
  const { path, root } = target;
  const hostRead = await readHostFile(hostPathOf(root, path), MERGE_TEXT_MAX_BYTES);
  if (hostRead === null) throw new BottleError('conflict', `${path} in the project folder changed while it was read: look again`);
  const host = sideOf(hostRead.data, hostRead.complete, hostRead.size, hostRead.digest.oid);
  const agentRead = await comparison.located.reader.read(path, MERGE_TEXT_MAX_BYTES);
  if (agentRead === null || agentRead.kind !== 'file' || agentRead.digest === null)
    throw new BottleError('conflict', `${path} in the bottle changed while it was read (or is too large to read): look again`);
  const agent = sideOf(agentRead.data, agentRead.complete, agentRead.size, agentRead.digest.oid);
  const base = await baseSide(comparison, path);
  let note = whyNoMerge(base, host, agent);
  let merged: string | null = null;
  let conflicts = 0;
  if (note === null) {
    if (base.kind === 'file' && base.text === null)
      note = 'the start-of-run version is no longer kept: the merge shows both versions whole where they differ';
    const result = threeWayMerge(base.text ?? '', host.text ?? '', agent.text ?? '');
    merged = result.text;
    conflicts = result.conflicts;
    if (result.gaveUp) note = 'the versions are too different to merge line by line: both are shown whole';
  }
  return { identity, path, base, host, agent, merged, conflicts, note, sidecar: await ourSidecar(identity, comparison, target) };
}
