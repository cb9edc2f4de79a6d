import { join } from 'node:path';
import { bottlePaths } from '../state/state-paths';

/** Our own files beside metadata.json (DESIGN.md §2 lets us keep extra data in the state folder). */
export interface RebuildPaths {
  dir: string;
  /** One `<request id>.json` per request awaiting the operator; survives restarts. */
  pending: string;
  /** Bad inbox files shown on the card. */
  warnings: string;
  /** The approval in progress, step by step, for crash recovery. */
  approval: string;
  inbox: string;
  journal: string;
}

export function rebuildPaths(identity: string): RebuildPaths {
  const paths = bottlePaths(identity);
  const dir = join(paths.dir, 'rebuild');
  return {
    dir,
    pending: join(dir, 'pending'),
    warnings: join(dir, 'warnings.json'),
    approval: join(dir, 'approval.json'),
    inbox: paths.inbox,
    journal: paths.journal,
  };
}
