import type { PermissionAnswer, PermissionQuestion } from '../../../shared/agent-reports';
import { invoke } from '../api/api';
import { runAction } from './bottle-actions';

export interface PermissionAnswerEntry {
  answer: PermissionAnswer;
  /** The approval panel's words. */
  label: string;
  /** The card's word, where its one line has room; null: the card leaves it to the panel. */
  short: string | null;
  tone: string;
  title: string;
  /** The approval panel's key for it (KeyboardEvent.key), as the `?` help lists it. */
  key: string;
}

/**
 * The answers to an agent's permission question, in the order Claude Code's own prompt offers them
 * (and with its keys, 1 2 3, so the hand knows them): the ONE table the card, the approval panel,
 * its keys and the `?` help are made from. The network keys (o b A d) stay theirs: a key never
 * answers a different kind of request than the one it names in the help.
 */
export const PERMISSION_ANSWER_TABLE: readonly PermissionAnswerEntry[] = [
  { answer: 'allow', label: 'Allow', short: 'Allow', tone: 'button-primary', title: 'Let the agent do this, once', key: '1' },
  {
    answer: 'always',
    label: 'Allow & don’t ask again',
    short: null,
    tone: '',
    title: 'Allow it, and let the agent do this kind of thing without asking again (its own "don’t ask again")',
    key: '2',
  },
  { answer: 'deny', label: 'Deny', short: 'Deny', tone: 'button-quiet', title: 'Refuse it: the agent reads the message, if any', key: '3' },
];

/** The answer a key pressed in the approval panel gives to the oldest permission question, or null. */
export function permissionAnswerForKey(key: string): PermissionAnswer | null {
  return PERMISSION_ANSWER_TABLE.find((entry) => entry.key === key)?.answer ?? null;
}

/** Sends the operator's answer; resolves true when the core took it (a failure is shown as a notice). */
export function answerPermission(identity: string, question: PermissionQuestion, answer: PermissionAnswer, message = ''): Promise<boolean> {
  const text = message.trim();
  return runAction(`Answer ${identity}'s permission question (${question.tool})`, () =>
    invoke('permission:answer', {
      identity,
      requestId: question.id,
      answer,
      ...(answer === 'deny' && text !== '' ? { message: text } : {}),
    }),
  );
}
