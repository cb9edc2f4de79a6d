import { posix } from 'node:path';
import { sidecarName, type ApplyAction, type FileChange } from '../../shared/changes';
import { mapLimited } from '../state/state-listing';
import { isResolved, type AppliedRecord, type AppliedVersion } from './applied-record';
import type { Baseline } from './baseline-types';
import { hostMatchesApplied, hostMatchesBaseline, hostStamp, hostVersion, type HostVersion } from './host-state';
import { checkHostAncestors, gitFolderName, gitFolderRefusal } from './relative-path';

/** A file larger than this is not applied: copy it by hand if it is really wanted. */
export const MAX_APPLY_FILE_BYTES = 1024 * 1024 * 1024;

/** The agent's version of one path, as apply will leave it. */
export type AgentVersion =
  { kind: 'absent' } | { kind: 'file'; oid: string | null; mode: number; size: number } | { kind: 'symlink'; target: string };

export interface PlannedStep {
  path: string;
  agent: AgentVersion;
  action: ApplyAction;
  detail: string | null;
  /** Where the agent's version goes beside a conflicting file; null when not written. */
  sidecar: string | null;
  /** The host file still holds its start-of-run content (saved before it is replaced). */
  hostIsBaseline: boolean;
  /** What the project folder held when the plan was made (see hostStamp). */
  stamp: string;
}

export interface PlanOptions {
  identity: string;
  baseline: Baseline;
  changes: FileChange[];
  applied: AppliedRecord;
  sidecars: boolean;
}

/** A symlink is recreated only when it stays inside the project folder. */
function linkStaysInside(path: string, target: string): boolean {
  if (target === '' || target.startsWith('/') || target.includes('\0')) return false;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  return resolved !== '..' && !resolved.startsWith('../');
}

export function versionOf(agent: AgentVersion): AppliedVersion {
  if (agent.kind === 'file') return { kind: 'file', oid: agent.oid ?? '', mode: agent.mode };
  return agent;
}

async function sameAsAgent(host: HostVersion, agent: AgentVersion): Promise<boolean> {
  if (agent.kind === 'absent') return host.kind === 'absent';
  if (agent.kind === 'symlink') return host.kind === 'symlink' && host.target === agent.target;
  return (
    host.kind === 'file' &&
    agent.oid !== null &&
    (host.mode & 0o777) === (agent.mode & 0o777) &&
    host.size === agent.size &&
    (await host.oid()) === agent.oid
  );
}

/** The agent's version as the comparison just read it (apply copies it again when it writes). */
function agentVersionOf(change: FileChange): AgentVersion {
  if (change.kind === 'symlink') return { kind: 'symlink', target: change.linkTarget ?? '' };
  return { kind: 'file', oid: change.oid, mode: change.mode ?? 0o644, size: change.size ?? 0 };
}

/**
 * The three-way decision for every path the agent changed, against the baseline (or what an
 * earlier apply wrote there), without writing anything:
 * - the project folder still holds the base version: the agent's version is written (or the file
 *   deleted);
 * - it already holds the agent's version: nothing to do;
 * - the operator changed it too: a conflict; their file stays, the agent's version can go beside
 *   it as `<name>.bottle-<identity>`. A file the operator changed is never deleted.
 */
export async function planApply(options: PlanOptions): Promise<PlannedStep[]> {
  const { baseline, applied, identity } = options;
  const targets: { path: string; change: FileChange; gone: boolean }[] = [];
  for (const change of options.changes) {
    if (change.status === 'renamed' && change.oldPath !== null) targets.push({ path: change.oldPath, change, gone: true });
    targets.push({ path: change.path, change, gone: change.status === 'deleted' });
  }
  const root = baseline.cwd;
  const steps = await mapLimited(targets, 8, async ({ path, change, gone }): Promise<PlannedStep> => {
    const agent: AgentVersion = gone ? { kind: 'absent' } : agentVersionOf(change);
    const step: PlannedStep = { path, agent, action: 'skipped', detail: null, sidecar: null, hostIsBaseline: false, stamp: '' };
    const gitName = gitFolderName(path);
    if (gitName !== null) {
      step.detail = gitFolderRefusal(gitName);
      return step;
    }
    try {
      await checkHostAncestors(root, path);
    } catch (error: unknown) {
      step.detail = error instanceof Error ? error.message : String(error);
      return step;
    }
    step.stamp = await hostStamp(root, path);
    const host = await hostVersion(root, path);
    if (await sameAsAgent(host, agent)) {
      step.action = 'unchanged';
      return step;
    }
    // The operator merged this very version of the agent's by hand: whatever the file holds now is theirs.
    if (agent.kind === 'file' && isResolved(applied, path, agent.oid)) {
      step.action = 'unchanged';
      step.detail = 'you resolved it in the merge view';
      return step;
    }
    if (agent.kind === 'file' && agent.size > MAX_APPLY_FILE_BYTES) {
      step.detail = 'larger than 1 GiB: copy it out of the bottle by hand if you want it';
      return step;
    }
    if (agent.kind === 'symlink' && !linkStaysInside(path, agent.target)) {
      step.detail = `a symlink to ${agent.target}, outside the project folder: not created`;
      return step;
    }
    const previous = applied.files[path];
    step.hostIsBaseline = await hostMatchesBaseline(host, baseline.entries[path]);
    const hostUnchanged = previous !== undefined ? await hostMatchesApplied(host, previous) : step.hostIsBaseline;
    if (host.kind === 'other') {
      step.action = 'conflict';
      step.detail = `${host.what} is in the way`;
    } else if (hostUnchanged) {
      if (agent.kind === 'absent') step.action = 'delete';
      else if (agent.kind === 'symlink') step.action = 'symlink';
      else step.action = host.kind === 'file' && (await host.oid()) === agent.oid ? 'chmod' : 'write';
      return step;
    } else {
      step.action = 'conflict';
      step.detail =
        agent.kind === 'absent' ? 'the agent deleted it and you changed it: your file stays' : 'you changed it too: your file stays';
    }
    if (options.sidecars && agent.kind === 'file') {
      const sidecar = sidecarName(path, identity);
      const there = await hostVersion(root, sidecar);
      const ours = applied.files[sidecar];
      if (there.kind === 'absent' || (ours !== undefined && (await hostMatchesApplied(there, ours))) || (await sameAsAgent(there, agent)))
        step.sidecar = sidecar;
      else step.detail = `${step.detail ?? ''}; ${sidecar} exists and is not ours, so the agent's version was not written`;
    } else if (agent.kind === 'symlink') {
      step.detail = `${step.detail ?? ''} (the agent's version is a symlink to ${agent.target})`;
    }
    return step;
  });
  return steps;
}
