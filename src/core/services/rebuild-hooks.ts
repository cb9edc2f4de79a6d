import type { BottleContext } from './bottle-context';
import type { RebuildHooks } from './bottle-core';
import type { RebuildFieldsProvider } from '../bottles/bottle-list';
import { approveRequest, createInboxWatcher, readHistory, rebuildViewFields, recoverInterruptedApprovals, rejectRequest, settleInterruptedApproval } from '../rebuild';

/** The rebuild loop's fields in every bottle view (pending request, warnings, history count). */
export function rebuildFieldsProvider(): RebuildFieldsProvider {
  return rebuildViewFields;
}

/** Plugs the rebuild loop (capability-block inbox, approve/reject, journal) into the core. */
export function createRebuildHooks(ctx: BottleContext): RebuildHooks {
  return {
    rebuildFields: rebuildViewFields,
    approve: (identity, options) => approveRequest(ctx, identity, options),
    reject: async (identity, options) => {
      await rejectRequest(ctx, identity, options);
      return null;
    },
    history: readHistory,
    recoverBottle: (identity) => settleInterruptedApproval(ctx, identity),
    watchInboxes: (onChange) => createInboxWatcher(onChange),
    recover: async () => {
      await recoverInterruptedApprovals(ctx);
    },
  };
}
