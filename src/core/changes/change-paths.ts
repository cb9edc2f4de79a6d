import { join } from 'node:path';
import { stateDir } from '../state/state-paths';

/**
 * Our own files about a bottle's changes, in a folder beside metadata.json (never inside it):
 * the baseline taken when the bottle was created, the copies of start-of-run content that git
 * cannot give back, and the record of what `apply` last wrote to the host folder.
 */
export interface ChangesPaths {
  dir: string;
  baseline: string;
  blobs: string;
  applied: string;
}

export function changesPaths(identity: string): ChangesPaths {
  const dir = join(stateDir(identity), 'changes');
  return { dir, baseline: join(dir, 'baseline.json'), blobs: join(dir, 'blobs'), applied: join(dir, 'applied.json') };
}
