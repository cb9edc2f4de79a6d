import { useEffect, useEffectEvent, useRef, type RefObject } from 'react';

/**
 * Keeps a native modal <dialog> open while `open` holds (focus trapped, Esc cancels, with no code
 * of ours); `onShow` runs each time it opens (to reset its fields).
 */
export function useModalDialog(open: boolean, onShow?: () => void): RefObject<HTMLDialogElement | null> {
  const dialogRef = useRef<HTMLDialogElement>(null);
  // The latest onShow, read when the dialog opens (not a reason to re-run the effect).
  const show = useEffectEvent((): void => onShow?.());
  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog === null) return;
    if (open && !dialog.open) {
      show();
      dialog.showModal();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return dialogRef;
}
