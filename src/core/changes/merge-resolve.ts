import { randomBytes } from 'node:crypto';
import { chmod, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MERGE_RESULT_MAX_CHARS, sidecarName, type ResolveRequest, type ResolveResult } from '../../shared/changes';
import { BottleError } from '../base/bottle-error';
import { writeAppliedRecord } from './applied-record';
import type { Comparison } from './bottle-changes';
import { digestOf } from './content-digest';
import { hostStamp, hostVersion } from './host-state';
import { mergeTarget, ourSidecar, type MergeTarget } from './merge-versions';
import { hostPathOf } from './relative-path';

const HOST_MOVED = 'changed in the project folder while the merge view was open: nothing was written; look again';

function tempBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.claude-bottle-${randomBytes(6).toString('hex')}`);
}

/** The project file's blob id now, if it is still the regular file the merge was made from. */
async function checkHost(target: MergeTarget, expected: string): Promise<{ mode: number; stamp: string }> {
  const stamp = await hostStamp(target.root, target.path);
  const host = await hostVersion(target.root, target.path);
  if (host.kind !== 'file' || (await host.oid()) !== expected) throw new BottleError('conflict', `${target.path} ${HOST_MOVED}`);
  return { mode: host.mode, stamp };
}

/**
 * Writes the new content through a temp file beside the target and a rename, only if the project
 * file is still exactly what was checked (the operator may save it at any moment: theirs wins).
 */
async function replaceHostFile(target: MergeTarget, stamp: string, fill: (temp: string) => Promise<void>): Promise<void> {
  const full = hostPathOf(target.root, target.path);
  const temp = tempBeside(full);
  try {
    await fill(temp);
    if ((await hostStamp(target.root, target.path)) !== stamp) throw new BottleError('conflict', `${target.path} ${HOST_MOVED}`);
    await rename(temp, full);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Copies the agent's version out of the bottle into `temp`, refusing any other version than the one merged. */
async function copyAgentVersion(comparison: Comparison, target: MergeTarget, request: ResolveRequest, temp: string): Promise<string> {
  const mode = (target.change.mode ?? 0o644) & 0o777;
  const copies = await comparison.located.reader.copyMany([{ path: target.path, dest: temp, mode }]);
  const copy = copies.get(target.path);
  if (copy?.kind !== 'file' || copy.digest?.oid !== request.agentOid)
    throw new BottleError('conflict', `the agent changed ${target.path} while the merge view was open: nothing was written; look again`);
  return copy.digest.oid;
}

/**
 * Saves the operator's resolution of one conflict (copy mode): their own version kept, the agent's
 * taken whole, or the edited merge written to the project file; then our sidecar of the agent's
 * version goes, and the applied record notes that this agent version is resolved, so it no longer
 * counts as a conflict (a newer agent version conflicts again). A project file that changed since
 * the merge was read, or an agent version other than the one merged, is refused: nothing written.
 */
export async function resolveConflict(identity: string, comparison: Comparison, request: ResolveRequest): Promise<ResolveResult> {
  const target = await mergeTarget(identity, comparison, request.path);
  if (target.change.oid !== request.agentOid)
    throw new BottleError('conflict', `the agent changed ${target.path} while the merge view was open: nothing was written; look again`);
  if (request.take === 'result' && request.text === undefined)
    throw new BottleError('invalid-argument', 'a merge result to save is missing');
  if (request.take !== 'result' && request.text !== undefined)
    throw new BottleError('invalid-argument', `a merge result is saved with take "result", not "${request.take}"`);
  if ((request.text?.length ?? 0) > MERGE_RESULT_MAX_CHARS)
    throw new BottleError('limit-exceeded', `the merge result is longer than ${MERGE_RESULT_MAX_CHARS} characters: take one side instead`);
  const { mode, stamp } = await checkHost(target, request.hostOid);
  let hostOid = request.hostOid;
  if (request.take === 'result') {
    const data = Buffer.from(request.text ?? '', 'utf8');
    await replaceHostFile(target, stamp, async (temp) => {
      await writeFile(temp, data, { flag: 'wx', mode });
      await chmod(temp, mode); // the operator's file keeps its permission bits, whatever the umask
    });
    hostOid = digestOf(data).oid;
  } else if (request.take === 'agent') {
    await replaceHostFile(target, stamp, async (temp) => {
      hostOid = await copyAgentVersion(comparison, target, request, temp);
    });
  }
  const record = comparison.applied;
  const result: ResolveResult = {
    identity,
    path: target.path,
    take: request.take,
    wrote: request.take !== 'host',
    sidecarRemoved: null,
    note: null,
  };
  const sidecar = await ourSidecar(identity, comparison, target);
  if (sidecar !== null) {
    await unlink(hostPathOf(target.root, sidecar));
    delete record.files[sidecar];
    result.sidecarRemoved = sidecar;
  } else if ((await hostVersion(target.root, sidecarName(target.path, identity))).kind !== 'absent') {
    result.note = `${sidecarName(target.path, identity)} is not as apply wrote it (you changed it?), so it was left there`;
  }
  record.resolved = { ...record.resolved, [target.path]: { agent: request.agentOid, host: hostOid, at: new Date().toISOString() } };
  await writeAppliedRecord(identity, record);
  return result;
}
