import type { BottleContext } from './bottle-context';
import type { RebuildHooks } from './bottle-core';
import type { RebuildFieldsProvider } from './bottle-list';
import { approveRequest, rejectRequest } from './rebuild/approval';
import { createInboxWatcher } from './rebuild/inbox-watcher';
import { readHistory } from './rebuild/journal';
import { recoverInterruptedApprovals } from './rebuild/recovery';
import { rebuildViewFields } from './rebuild/view-fields';

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
    watchInboxes: (onChange) => createInboxWatcher(onChange),
    recover: async () => {
      await recoverInterruptedApprovals(ctx);
    },
  };
}
