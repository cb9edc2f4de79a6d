/** Opens the start panel (unfolding it) on the folder field; not Ctrl+N, which a browser keeps for a new window. */
export const START_KEY = 'n';

/** The list's keyboard, as the `?` help lists it. */
export const LIST_KEYS: readonly { keys: string; does: string }[] = [
  { keys: 'j / k', does: 'Move down / up the list' },
  { keys: 'Enter', does: 'Open the bottle (terminal, logs, changes, history, inspect)' },
  { keys: '/', does: 'Filter the list' },
  { keys: 'a', does: 'Open the pending approval (this bottle’s, else the first waiting)' },
  { keys: 'x', does: 'Select or unselect the bottle, for bulk stop and remove' },
  { keys: START_KEY, does: 'Start a bottle: open the start panel on its folder field' },
  { keys: 'Esc', does: 'Clear the selection, or close the panel on top' },
  { keys: '?', does: 'Show these keys' },
];

export interface ListKeyState {
  /** Bottles in display order. */
  identities: readonly string[];
  focused: string | null;
  hasSelection: boolean;
  /** Whether a bottle has a request waiting for the operator. */
  isWaiting(identity: string): boolean;
}

export type ListKeyEffect =
  | { type: 'focus'; identity: string }
  | { type: 'open'; identity: string }
  | { type: 'filter' }
  | { type: 'approve'; identity: string }
  | { type: 'toggle-select'; identity: string }
  | { type: 'clear-selection' }
  | { type: 'help' }
  | { type: 'start' }
  | { type: 'none' };

function step(state: ListKeyState, by: 1 | -1): ListKeyEffect {
  const { identities, focused } = state;
  if (identities.length === 0) return { type: 'none' };
  const index = focused === null ? -1 : identities.indexOf(focused);
  const next = index === -1 ? 0 : Math.min(identities.length - 1, Math.max(0, index + by));
  return { type: 'focus', identity: identities[next] as string };
}

/** What a key pressed over the list does (no modifiers; the caller skips text fields and terminals). */
export function listKey(key: string, state: ListKeyState): ListKeyEffect {
  const focused = state.focused !== null && state.identities.includes(state.focused) ? state.focused : null;
  switch (key) {
    case 'j':
    case 'ArrowDown':
      return step(state, 1);
    case 'k':
    case 'ArrowUp':
      return step(state, -1);
    case 'Enter':
      return focused === null ? { type: 'none' } : { type: 'open', identity: focused };
    case '/':
      return { type: 'filter' };
    case 'a': {
      if (focused !== null && state.isWaiting(focused)) return { type: 'approve', identity: focused };
      const waiting = state.identities.find((identity) => state.isWaiting(identity));
      return waiting === undefined ? { type: 'none' } : { type: 'approve', identity: waiting };
    }
    case 'x':
      return focused === null ? { type: 'none' } : { type: 'toggle-select', identity: focused };
    case 'Escape':
      return state.hasSelection ? { type: 'clear-selection' } : { type: 'none' };
    case '?':
      return { type: 'help' };
    case START_KEY:
      return { type: 'start' };
    default:
      return { type: 'none' };
  }
}
