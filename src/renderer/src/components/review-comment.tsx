import { useState, type JSX } from 'react';
import { invoke, messageOf } from '../api/api';
import { taskTextProblem } from '../lib/launch-fields';
import { reviewCommentText } from '../lib/review-comment';

/**
 * A note on the file shown (or on one of its lines: a click in the agent's version picks it), sent
 * to the agent through its terminal as Reply does (`bottle:send`), so the review becomes its next
 * instruction. The note stays in the box if sending fails.
 */
export function ReviewComment({
  identity,
  path,
  line,
  onLine,
}: {
  identity: string;
  path: string;
  line: number | null;
  onLine: (line: number | null) => void;
}): JSX.Element {
  const [note, setNote] = useState('');
  const [state, setState] = useState<{ sending: boolean; error: string | null; sent: string | null }>({
    sending: false,
    error: null,
    sent: null,
  });
  const send = async (): Promise<void> => {
    if (state.sending || note.trim() === '') return;
    const text = reviewCommentText(path, line, note);
    const problem = taskTextProblem(text);
    if (problem !== null) {
      setState({ sending: false, error: problem, sent: null });
      return;
    }
    setState({ sending: true, error: null, sent: null });
    try {
      await invoke('bottle:send', identity, text);
      setNote((current) => (current === note ? '' : current));
      setState({ sending: false, error: null, sent: text });
    } catch (error: unknown) {
      setState({ sending: false, error: messageOf(error), sent: null });
    }
  };
  return (
    <form
      className="review-comment"
      data-testid="review-comment"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      <label>
        Line{' '}
        <input
          type="number"
          min={1}
          value={line ?? ''}
          placeholder="file"
          aria-label="Line to comment on (empty: the whole file)"
          onChange={(event) => onLine(event.target.value === '' ? null : Math.max(1, Math.floor(Number(event.target.value))))}
          data-testid="review-comment-line"
        />
      </label>
      <input
        type="text"
        value={note}
        placeholder={line === null ? 'Comment on this file for the agent' : `Comment on line ${line} for the agent`}
        aria-label="Review comment"
        onChange={(event) => setNote(event.target.value)}
        data-testid="review-comment-text"
      />
      <button
        type="submit"
        className="button button-small"
        disabled={state.sending || note.trim() === ''}
        data-testid="review-comment-send"
      >
        {state.sending ? 'Sending…' : 'Comment'}
      </button>
      {state.error !== null ? (
        <span className="is-error" role="alert">
          {state.error}
        </span>
      ) : null}
      {state.sent !== null ? (
        <span className="muted" role="status" data-testid="review-comment-sent">
          Sent to the agent: {state.sent}
        </span>
      ) : null}
    </form>
  );
}
