import type { NetworkAnswer } from '../../../shared/network-policy';

export interface NetworkAnswerEntry {
  answer: NetworkAnswer;
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
 * The network answers, in the order an operator reads them: the ONE table the card, the approval
 * panel, its keys and the `?` help are made from. "For this agent" asks for Shift: it opens the
 * host to every bottle of the agent, so it is never one slip away from `a`, the key that opens the panel.
 */
export const NETWORK_ANSWER_TABLE: readonly NetworkAnswerEntry[] = [
  { answer: 'once', label: 'Allow once', short: 'Allow', tone: 'button-primary', title: 'Let this connection through, once', key: 'o' },
  {
    answer: 'bottle',
    label: 'Allow for this bottle',
    short: 'Always',
    tone: '',
    title: 'Allow it now, and from now on for this bottle (kept in its network.json)',
    key: 'b',
  },
  {
    answer: 'agent',
    label: 'Allow for this agent',
    short: null,
    tone: '',
    title: 'Allow it now, and from now on for every bottle of this agent (kept in settings.json)',
    key: 'A',
  },
  { answer: 'deny', label: 'Deny', short: 'Deny', tone: 'button-quiet', title: 'Refuse it: the agent is told why', key: 'd' },
];

/** How a key reads in the help and on a button: Shift spelled out, so `A` is not taken for `a`. */
export function keyName(key: string): string {
  return key !== key.toLowerCase() ? `Shift+${key}` : key;
}

/** The answer a key pressed in the approval panel gives, or null. */
export function answerForKey(key: string): NetworkAnswer | null {
  return NETWORK_ANSWER_TABLE.find((entry) => entry.key === key)?.answer ?? null;
}
