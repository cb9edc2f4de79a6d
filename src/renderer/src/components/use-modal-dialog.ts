import { useEffect, useRef, type RefObject } from 'react';

/**
 * Keeps a native modal <dialog> open while `open` holds (focus trapped, Esc cancels, with no code
 * of ours); `onShow` runs each time it opens (to reset its fields).
 */
export function useModalDialog(open: boolean, onShow?: () => void): RefObject<HTMLDialogElement | null> {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const showRef = useRef(onShow);
  showRef.current = onShow;
  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog === null) return;
    if (open && !dialog.open) {
      showRef.current?.();
      dialog.showModal();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return dialogRef;
}
