import type { JSX } from 'react';
import { permissionAsk } from '../../../shared/agent-status-line';
import type { BottleView } from '../../../shared/bottle-view';
import { escapeControl } from '../../../shared/escape-text';
import { answerPermission, PERMISSION_ANSWER_TABLE } from '../lib/permission-answers';
import { useUiStore } from '../stores/ui-store';

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
  const openPanel = useUiStore((state) => state.openPanel);
  const question = bottle.permissionPending[0];
  if (question === undefined) return null;
  const count = bottle.permissionPending.length;
  return (
    <div className="status-area attention" data-testid="permission-request" data-attention="pending" data-request-id={question.id}>
      <span className="attention-label" title={permissionLabel(count)}>
        {count > 1 ? `Permission (${count})` : 'Permission'}
      </span>
      <span
        className="attention-text"
        title={escapeControl(question.reason === null ? question.tool : `${question.tool}: ${question.reason}`)}
        data-testid="permission-ask"
      >
        {permissionAsk(question)}
      </span>
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
      <button
        type="button"
        className="button button-small button-quiet"
        title="The reason, the whole input, allow without asking again, deny with a message, with keys"
        onClick={() => openPanel('approval', bottle.identity)}
      >
        More
      </button>
    </div>
  );
}
