import { useState, type JSX } from 'react';
import type { PermissionAnswer, PermissionQuestion } from '../../../shared/agent-reports';
import type { BottleView } from '../../../shared/bottle-view';
import { escapeControl, escapeLine } from '../../../shared/escape-text';
import { MAX_REJECT_MESSAGE_CHARS } from '../../../shared/rules';
import { exactTime, relativeTime } from '../lib/format';
import { keyName } from '../lib/network-answers';
import { answerPermission, PERMISSION_ANSWER_TABLE, permissionAnswerForKey } from '../lib/permission-answers';
import { permissionInputText } from '../lib/permission-input';
import { useUiStore } from '../stores/ui-store';
import { useApprovalKeys } from './use-approval-keys';

/** One question: what the agent wants to do, why, its whole input (folded), and the three answers. */
function Question({
  question,
  first,
  busy,
  onAnswer,
}: {
  question: PermissionQuestion;
  first: boolean;
  busy: boolean;
  onAnswer: (question: PermissionQuestion, how: PermissionAnswer, message: string) => void;
}): JSX.Element {
  const now = useUiStore((state) => state.now);
  const [message, setMessage] = useState('');
  const messageId = `deny-message-${question.id}`;
  return (
    <li
      className="permission-question"
      data-testid="permission-question"
      data-first={first ? 'true' : undefined}
      data-request-id={question.id}
    >
      <p className="permission-ask">
        <span className="permission-tool" data-testid="permission-tool">
          {escapeLine(question.tool)}
        </span>
        {question.detail !== null ? (
          <code className="permission-detail" data-testid="permission-detail" title={escapeControl(question.detail)}>
            {escapeLine(question.detail)}
          </code>
        ) : null}
        <span className="muted">
          asked <time title={exactTime(question.createdAt)}>{relativeTime(question.createdAt, now)}</time>
        </span>
      </p>
      {question.reason !== null ? (
        <p className="permission-reason" data-testid="permission-reason">
          {escapeControl(question.reason)}
        </p>
      ) : null}
      {question.input !== null ? (
        <details className="permission-input">
          <summary>Input</summary>
          <pre data-testid="permission-input">{permissionInputText(question.input)}</pre>
        </details>
      ) : null}
      <div className="approval-actions">
        {PERMISSION_ANSWER_TABLE.map(({ answer: how, label, tone, title, key }) => (
          <button
            key={how}
            type="button"
            className={`button button-small ${tone}`}
            title={title}
            disabled={busy}
            aria-keyshortcuts={first ? keyName(key) : undefined}
            onClick={() => onAnswer(question, how, message)}
          >
            {label}
            {first ? <kbd className="key-hint">{keyName(key)}</kbd> : null}
          </button>
        ))}
      </div>
      <label className="permission-deny-message" htmlFor={messageId}>
        <span className="field-label">Message with Deny (optional; Enter denies)</span>
        <input
          id={messageId}
          type="text"
          maxLength={MAX_REJECT_MESSAGE_CHARS}
          placeholder="e.g. Run the tests with npm run test:unit instead."
          value={message}
          onChange={(event) => setMessage(event.target.value)}
          onKeyDown={(event) => {
            if (event.key !== 'Enter' || event.shiftKey || busy) return;
            event.preventDefault();
            onAnswer(question, 'deny', message);
          }}
          data-testid="deny-message"
        />
      </label>
    </li>
  );
}

/**
 * The permission questions the bottle's agent waits on (Claude Code's own prompt, asked here
 * instead), oldest first, beside its network and Dockerfile requests. A question answered in the
 * agent's terminal leaves the view, and so this list, by itself. The keys 1 2 3 answer the oldest.
 */
export function PermissionApproval({ bottle, onAnswered }: { bottle: BottleView; onAnswered: () => void }): JSX.Element | null {
  const [busy, setBusy] = useState(false);
  const questions = bottle.permissionPending;

  const answer = async (question: PermissionQuestion, how: PermissionAnswer, message: string): Promise<void> => {
    if (busy) return;
    setBusy(true);
    const ok = await answerPermission(bottle.identity, question, how, message);
    setBusy(false);
    if (ok) onAnswered();
  };
  useApprovalKeys((key) => {
    const how = permissionAnswerForKey(key);
    const oldest = questions[0];
    if (how === null || oldest === undefined) return false;
    // The key denies without a message: a message is typed in its field, where Enter denies with it.
    void answer(oldest, how, '');
    return true;
  });

  if (questions.length === 0) return null;
  return (
    <section className="permission-approval" data-testid="permission-approval" aria-labelledby="permission-approval-title">
      <h3 id="permission-approval-title">{questions.length > 1 ? `${questions.length} permission questions` : 'Permission question'}</h3>
      <p className="muted">The agent waits for your answer; it goes on as soon as you give it. Keys answer the first.</p>
      <ul className="permission-list">
        {questions.map((question, index) => (
          <Question
            key={question.id}
            question={question}
            first={index === 0}
            busy={busy}
            onAnswer={(target, how, message) => void answer(target, how, message)}
          />
        ))}
      </ul>
    </section>
  );
}
