/**
 * The rebuild loop (DESIGN.md §5–§6): capability-block requests in each bottle's inbox, validated
 * as hostile input, shown for approval, and approved (rebuild, snapshot, commit, teardown, resume)
 * or rejected. The bottle service wires these steps together under its rules.
 */
export { rebuildViewFields, type RebuildViewFields } from './view-fields';
export { processInbox } from './process-inbox';
export { createInboxWatcher, type InboxWatcher, type InboxWatcherOptions } from './inbox-watcher';
export { approveNow, rejectNow, recoverApproval, settleInterruptedApproval } from './approval';
export { recoverInterruptedApprovals, type RecoveryFailure } from './recovery';
export { readHistory } from './journal';
export { listPendingRecords, readPendingRecord, toPendingView, type PendingRecord } from './rebuild-store';
export { pickPendingRequest } from './pick-request';
export { MAX_REQUEST_BYTES, MAX_REASON_CHARS, type CapabilityRequest, type InboxResponse } from './request-schema';
