import { ActivityConflictError } from '../base/activity-tracker';
import { depsForBottle, type CoreDeps } from '../deps/core-deps';
import { errorMessage } from '../base/bottle-error';
import { listStateIdentities } from '../state/state-listing';
import { recoverApproval } from './approval';
import { readApprovalRecord } from './approval-record';

export interface RecoveryFailure {
  identity: string;
  message: string;
}

/**
 * Run at startup (app, serve, CLI approve): settles every approval a killed process left half
 * done — rolled back before the commit, finished from the commit on. One bottle failing (engine
 * away, say) does not stop the others; the failures are returned for the caller to show.
 */
export async function recoverInterruptedApprovals(ctx: CoreDeps): Promise<RecoveryFailure[]> {
  // No state folder yet: nothing was ever approved. One the host cannot list is the caller's
  // error to show (every interrupted approval in it would stay unsettled).
  const identities = await listStateIdentities();
  const failures: RecoveryFailure[] = [];
  for (const identity of identities) {
    try {
      if ((await readApprovalRecord(identity)) === null) continue;
      await ctx.activity.run(identity, 'approving', () => recoverApproval(depsForBottle(ctx, identity), identity));
    } catch (error: unknown) {
      // Busy in this process: that approval is alive, not interrupted.
      if (error instanceof ActivityConflictError) continue;
      failures.push({ identity, message: errorMessage(error) });
    }
  }
  return failures;
}
