import type { BottleView } from '../../../shared/bottle-view';
import { bottleWaitingRequests } from '../../../shared/waiting-requests';

export type WaitingKind = 'dockerfile' | 'network' | 'permission';

/**
 * Which of a bottle's waiting requests its card's area and its row's badge name: the first in
 * the shared order (the one the title and notifications count with), so the two never disagree.
 */
export function firstWaitingKind(bottle: BottleView): WaitingKind | null {
  const first = bottleWaitingRequests(bottle)[0];
  if (first === undefined) return null;
  if (first.network !== null) return 'network';
  return (first.permission ?? null) !== null ? 'permission' : 'dockerfile';
}
