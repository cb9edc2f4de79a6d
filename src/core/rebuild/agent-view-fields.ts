import type { BottleStatus, BottleView, InboxWarning } from '../../shared/bottle-view';
import { errorMessage } from '../base/bottle-error';
import type { StateEntry } from '../state/state-listing';
import { readAgentStatusRecord, type AgentStatusRecord } from './agent-status';
import { withdrawAllPermissions } from './permission-withdraw';
import type { RebuildViewFields } from './view-fields';

/** Container states in which no agent runs to wait for an answer (engine-offline: not known, so kept). */
const NO_AGENT: ReadonlySet<BottleStatus> = new Set(['exited', 'ready-to-resume', 'missing-container']);

export interface AgentViewFields {
  fields: Pick<BottleView, 'agentStatus' | 'permissionPending' | 'historyCount'>;
  /** A copy the host cannot read, a bad status file, questions that could not be dropped: warnings on the card. */
  problems: InboxWarning[];
}

/**
 * The agent's part of a view (issue 21): its latest report, read only when the host's copy is
 * there (a listing reads every bottle), and its permission questions, shown only while its
 * container runs. A bottle seen stopped drops its questions (journaled `withdrawn`): nobody waits
 * for their answers; the history count takes them in.
 */
export async function agentViewFields(
  entry: StateEntry,
  status: BottleStatus,
  rebuild: RebuildViewFields | null,
): Promise<AgentViewFields> {
  const problems: InboxWarning[] = [];
  const problem = (file: string, message: string): void => {
    problems.push({ file, message, at: new Date().toISOString() });
  };
  let record: AgentStatusRecord | null = null;
  if (entry.hasAgentStatus) {
    try {
      record = await readAgentStatusRecord(entry.identity);
    } catch (error: unknown) {
      problem('agent-status.json', `could not be read: ${errorMessage(error)}`);
    }
  }
  if (record?.warning != null) problems.push(record.warning);
  const held = rebuild?.permissionPending ?? [];
  let dropped = 0;
  if (held.length > 0 && NO_AGENT.has(status)) {
    try {
      dropped = await withdrawAllPermissions(entry.identity);
    } catch (error: unknown) {
      problem('permission questions', `could not be dropped: ${errorMessage(error)}`);
    }
  }
  return {
    fields: {
      agentStatus: record?.status ?? null,
      permissionPending: status === 'running' ? held : [],
      historyCount: (rebuild?.historyCount ?? 0) + dropped,
    },
    problems,
  };
}
