import type { JSX } from 'react';
import { currentAgentStatus } from '../../../shared/agent-status-line';
import type { BottleView } from '../../../shared/bottle-view';
import { useReplyDraft, useReplyStore } from '../stores/reply-store';

/** Whether the Reply box shows: the agent runs and said it waits for its next word (waiting, or its turn finished). */
export function canReply(bottle: Pick<BottleView, 'status' | 'agentStatus' | 'permissionPending'>): boolean {
  const state = currentAgentStatus(bottle)?.state;
  return bottle.status === 'running' && (state === 'waiting' || state === 'finished');
}

/**
 * The Reply box of a bottle whose agent waits for the operator: one line (Shift+Enter adds one),
 * Enter or Send types it into the agent's terminal as if typed there and presses Enter. A failure
 * is said beside it and the text kept; a success clears it and says "Sent" for a moment.
 */
export function ReplyBox({ identity }: { identity: string }): JSX.Element {
  const draft = useReplyDraft(identity);
  const setText = useReplyStore((state) => state.setText);
  const send = useReplyStore((state) => state.send);
  const inputId = `reply-${identity}`;
  return (
    <div className="reply-box" data-testid="reply-box">
      <label className="visually-hidden" htmlFor={inputId}>
        Reply to the agent of {identity}
      </label>
      <textarea
        id={inputId}
        rows={1}
        className="reply-input"
        placeholder="Reply to the agent…"
        value={draft.text}
        onChange={(event) => setText(identity, event.target.value)}
        onKeyDown={(event) => {
          if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
          event.preventDefault();
          void send(identity);
        }}
        aria-invalid={draft.error !== null}
        aria-describedby={draft.error !== null ? `${inputId}-error` : undefined}
        data-testid="reply-input"
      />
      <button
        type="button"
        className="button button-primary button-small"
        disabled={draft.sending || draft.text.trim() === ''}
        onClick={() => void send(identity)}
        data-testid="reply-send"
      >
        {draft.sending ? 'Sending…' : 'Send'}
      </button>
      {draft.error !== null ? (
        <span className="reply-error" id={`${inputId}-error`} role="alert" title={draft.error} data-testid="reply-error">
          {draft.error}
        </span>
      ) : draft.sent ? (
        <span className="reply-sent" role="status" data-testid="reply-sent">
          Sent
        </span>
      ) : null}
    </div>
  );
}
