import { useEffect, useEffectEvent } from 'react';

/** Where a key is the field's own: the reject or deny message, any other field. */
const TYPING = 'textarea, select, input, [contenteditable="true"]';

/**
 * The approval panel's keys: `onKey` gets every plain key pressed while focus is in the panel and
 * not in a text field, and says whether it used it. Only in the panel: a key pressed over the list
 * must never allow or deny anything. Each kind of request has its own keys (see the `?` help).
 */
export function useApprovalKeys(onKey: (key: string) => boolean): void {
  const handle = useEffectEvent((event: KeyboardEvent): void => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || event.repeat) return;
    if (document.querySelector('dialog[open]') !== null) return;
    const target = event.target as HTMLElement | null;
    if (target === null || typeof target.closest !== 'function') return;
    if (target.closest('.side-panel-approval') === null || target.closest(TYPING) !== null) return;
    if (onKey(event.key)) event.preventDefault();
  });
  useEffect(() => {
    const listener = (event: KeyboardEvent): void => handle(event);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);
}
