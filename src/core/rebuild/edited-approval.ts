import { createTwoFilesPatch } from 'diff';
import { editedDockerfileProblem } from '../../shared/rules';
import type { JournalEntry } from '../../shared/bottle-view';
import { BottleError } from '../base/bottle-error';

/** An approval whose Dockerfile the operator edited: what the agent proposed and what was approved instead. */
export interface ApprovalEdit {
  proposed: string;
  approved: string;
  /** Unified diff, proposed → approved: what the operator changed. */
  diff: string;
}

/**
 * The operator's edit of a proposal (Approve with edits), checked as the IPC and the CLI check it,
 * since the core is the one place every front end passes. Null when nothing was edited (no text, or
 * the same text), so an unchanged "edit" is a plain approval.
 */
export function operatorEdit(proposed: string, edited: string | undefined): ApprovalEdit | null {
  if (edited === undefined) return null;
  const problem = editedDockerfileProblem(edited);
  if (problem !== null) throw new BottleError('invalid-argument', problem);
  if (edited === proposed) return null;
  return {
    proposed,
    approved: edited,
    diff: createTwoFilesPatch('Dockerfile', 'Dockerfile', proposed, edited, 'proposed', 'approved', { context: 3 }),
  };
}

const APPROVED =
  'The bottle is being rebuilt from the new Dockerfile: this container will be stopped and replaced ' +
  'by a new one with the same identity, transcript and workspace. Your conversation continues after the resume.';

/** What the agent reads in its inbox response: an edited approval says what the operator changed. */
export function approvedMessage(edit: ApprovalEdit | undefined): string {
  if (edit === undefined) return `Approved. ${APPROVED}`;
  return (
    `Approved with edits: the operator changed your proposed Dockerfile before building it (diff below, proposed → approved). ${APPROVED}\n\n` +
    edit.diff
  );
}

/** The journal's record of an edit: both versions, so the history shows what was asked and what was built. */
export function journalEdit(edit: ApprovalEdit | undefined): Pick<JournalEntry, 'edit'> {
  return edit === undefined ? {} : { edit };
}
