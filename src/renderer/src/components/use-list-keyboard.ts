import { useEffect, useEffectEvent } from 'react';
import { waitsForOperator } from '../../../shared/attention-state';
import { useBottlesStore } from '../stores/bottles-store';
import { useLaunchFoldStore } from '../stores/launch-fold-store';
import { useSelectionStore } from '../stores/selection-store';
import { useUiStore } from '../stores/ui-store';
import { openKeyboardHelp } from './keyboard-help';
import { openBottle } from '../lib/bottle-panel-actions';
import { listKey } from '../lib/list-keys';

/** Where typing goes to the element itself: text fields, terminals, dialogs, the panels over the list. */
const KEEPS_KEYS = [
  'textarea',
  'select',
  '[contenteditable="true"]',
  'input:not([type="checkbox"]):not([type="radio"])',
  '.terminal-host',
  'dialog',
  '.side-panel',
  '.bottle-panel',
].join(', ');
/** Enter and Space on these press them. */
const PRESSABLE = 'button, a[href], summary, [role="button"], [role="tab"]';

function belongsElsewhere(event: KeyboardEvent): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return true;
  if (document.querySelector('dialog[open]') !== null) return true;
  const target = event.target as HTMLElement | null;
  if (target === null || typeof target.closest !== 'function') return false;
  if (target.closest(KEEPS_KEYS) !== null) return true;
  return (event.key === 'Enter' || event.key === ' ') && target.closest(PRESSABLE) !== null;
}

/** j/k, Enter, /, a, x, n, Esc and ? over the list (see LIST_KEYS), acting on `identities` in display order. */
export function useListKeyboard(identities: readonly string[]): void {
  // One listener for the hook's life; each key reads the identities of the latest render.
  const onKey = useEffectEvent((event: KeyboardEvent): void => {
    if (belongsElsewhere(event)) return;
    const selection = useSelectionStore.getState();
    const { byIdentity } = useBottlesStore.getState();
    const effect = listKey(event.key, {
      identities,
      focused: selection.focused,
      hasSelection: selection.selected.size > 0,
      isWaiting: (identity) => {
        const bottle = byIdentity[identity];
        return bottle !== undefined && waitsForOperator(bottle);
      },
    });
    if (effect.type === 'none') return;
    event.preventDefault();
    switch (effect.type) {
      case 'focus':
        selection.focus(effect.identity);
        return;
      case 'open':
        openBottle(byIdentity[effect.identity], effect.identity);
        return;
      case 'filter':
        document.querySelector<HTMLInputElement>('[data-testid="filter-input"]')?.focus();
        return;
      case 'approve':
        selection.focus(effect.identity);
        useUiStore.getState().openPanel('approval', effect.identity);
        return;
      case 'toggle-select':
        selection.toggle(effect.identity);
        return;
      case 'clear-selection':
        selection.clear();
        return;
      case 'help':
        openKeyboardHelp();
        return;
      case 'start':
        useLaunchFoldStore.getState().unfold('folder');
        return;
    }
  });
  useEffect(() => {
    const listener = (event: KeyboardEvent): void => onKey(event);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);
}
