import type { JSX, ReactNode } from 'react';
import { useUiStore } from '../stores/ui-store';

interface RequestAreaShellProps {
  identity: string;
  testId: string;
  requestId: string;
  /** Short, so the subject keeps its room on the card's one line. */
  label: string;
  labelTitle: string;
  subject: string;
  subjectTitle: string;
  subjectTestId?: string;
  /** What the approval panel adds (its More button's tooltip). */
  moreTitle: string;
  /** The answers that fit on the card's line. */
  children: ReactNode;
}

/**
 * The card's line for the oldest request of one kind an agent waits on (a permission question, a
 * held connection): its label, what it asks, the answers that fit, and More for the approval panel.
 */
export function RequestAreaShell(props: RequestAreaShellProps): JSX.Element {
  const openPanel = useUiStore((state) => state.openPanel);
  return (
    <div className="status-area attention" data-testid={props.testId} data-attention="pending" data-request-id={props.requestId}>
      <span className="attention-label" title={props.labelTitle}>
        {props.label}
      </span>
      <span className="attention-text" title={props.subjectTitle} data-testid={props.subjectTestId}>
        {props.subject}
      </span>
      {props.children}
      <button
        type="button"
        className="button button-small button-quiet"
        title={props.moreTitle}
        onClick={() => openPanel('approval', props.identity)}
      >
        More
      </button>
    </div>
  );
}
