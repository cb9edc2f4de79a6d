import type { JSX } from 'react';
import { permissionAsk } from '../../../shared/agent-status-line';
import type { BottleView } from '../../../shared/bottle-view';
import { escapeControl } from '../../../shared/escape-text';
import { answerPermission, PERMISSION_ANSWER_TABLE } from '../lib/permission-answers';
import { RequestAreaShell } from './request-area-shell';

/** The label of a bottle's permission questions, on its card and its row alike. */
export function permissionLabel(count: number): string {
  return count > 1 ? `${count} permission questions` : 'Needs permission';
}

/**
 * A bottle whose agent waits on a permission question (and on nothing the shared order puts
 * first): what it asks, Allow and Deny on the card's line, and More for the approval panel (the
 * reason, the whole input, "don't ask again", a message with Deny, the keys).
 */
export function PermissionRequestArea({ bottle }: { bottle: BottleView }): JSX.Element | null {
  const question = bottle.permissionPending[0];
  if (question === undefined) return null;
  const count = bottle.permissionPending.length;
  return (
    <RequestAreaShell
      identity={bottle.identity}
      testId="permission-request"
      requestId={question.id}
      label={count > 1 ? `Permission (${count})` : 'Permission'}
      labelTitle={permissionLabel(count)}
      subject={permissionAsk(question)}
      subjectTitle={escapeControl(question.reason === null ? question.tool : `${question.tool}: ${question.reason}`)}
      subjectTestId="permission-ask"
      moreTitle="The reason, the whole input, allow without asking again, deny with a message, with keys"
    >
      {PERMISSION_ANSWER_TABLE.map(({ answer: how, short, tone, title }) =>
        short === null ? null : (
          <button
            key={how}
            type="button"
            className={`button button-small ${tone}`}
            title={title}
            onClick={() => void answerPermission(bottle.identity, question, how)}
          >
            {short}
          </button>
        ),
      )}
    </RequestAreaShell>
  );
}
