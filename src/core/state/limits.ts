import { BottleError } from '../base/bottle-error';
import { parseByteSize } from './byte-size';
import { readSettings, type Settings } from './settings';
import { settingsPath } from './state-paths';

/** What bounds one bottle's use of the host (DESIGN.md §3): settings.json, then the environment. */
export type BottleLimits = Pick<
  Settings,
  | 'maxSnapshotBytes'
  | 'maxInboxBytes'
  | 'maxCheckpointBytes'
  | 'maxHostWriteBytes'
  | 'maxHostWriteEntries'
  | 'maxPendingRequests'
  | 'cpus'
  | 'logMaxSize'
  | 'logMaxFiles'
>;

export const MAX_SNAPSHOT_ENV = 'CLAUDE_BOTTLE_MAX_SNAPSHOT';

/** The limits in force now: settings.json (defaults for what it leaves out), CLAUDE_BOTTLE_MAX_SNAPSHOT over it. */
export async function readLimits(env: NodeJS.ProcessEnv = process.env): Promise<BottleLimits> {
  const settings = await readSettings();
  const fromEnv = env[MAX_SNAPSHOT_ENV];
  let maxSnapshotBytes = settings.maxSnapshotBytes;
  if (fromEnv !== undefined && fromEnv !== '') {
    const parsed = parseByteSize(fromEnv);
    if (parsed === null)
      throw new BottleError(
        'invalid-argument',
        `${MAX_SNAPSHOT_ENV}=${JSON.stringify(fromEnv.slice(0, 40))} is not a size (e.g. 500M, 2G)`,
      );
    maxSnapshotBytes = parsed;
  }
  const { maxInboxBytes, maxCheckpointBytes, maxHostWriteEntries, maxPendingRequests, cpus, logMaxSize, logMaxFiles } = settings;
  // The snapshot cap bounds everything a bottle keeps on the host: its writable folders too.
  const maxHostWriteBytes = Math.min(settings.maxHostWriteBytes, maxSnapshotBytes);
  return {
    maxSnapshotBytes,
    maxInboxBytes,
    maxCheckpointBytes,
    maxHostWriteBytes,
    maxHostWriteEntries,
    maxPendingRequests,
    cpus,
    logMaxSize,
    logMaxFiles,
  };
}

/** Where the operator changes the snapshot cap, for error messages. */
export function snapshotCapHint(): string {
  return `${MAX_SNAPSHOT_ENV}, or maxSnapshotBytes in ${settingsPath()}`;
}

/** CPUs a bottle gets: the setting, else all of the engine's CPUs but one; never more than it has. */
export function bottleCpus(limits: Pick<BottleLimits, 'cpus'>, engineCpus: number): number {
  const available = Math.max(1, engineCpus);
  const wanted = limits.cpus ?? Math.max(1, available - 1);
  return Math.min(wanted, available);
}
