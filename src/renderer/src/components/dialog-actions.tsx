import type { JSX } from 'react';

interface ConfirmButton {
  label: string;
  /** What the button says while the action runs ("Removing…"). */
  busyLabel: string;
  tone: 'primary' | 'danger';
  busy: boolean;
  disabled?: boolean;
  onConfirm: () => Promise<void>;
  testId?: string;
}

/**
 * The row of buttons every confirm dialog ends with: a dismiss button, focused first so Enter on
 * open never confirms by accident, and the action's button (when there is one), which says what
 * it is doing while it runs.
 */
export function DialogActions({
  dismissLabel = 'Cancel',
  onDismiss,
  confirm,
}: {
  dismissLabel?: string;
  onDismiss: () => void;
  confirm: ConfirmButton | null;
}): JSX.Element {
  return (
    <div className="confirm-actions">
      <button type="button" className="button" onClick={onDismiss} autoFocus>
        {dismissLabel}
      </button>
      {confirm === null ? null : (
        <button
          type="button"
          className={`button button-${confirm.tone}`}
          disabled={confirm.busy || confirm.disabled === true}
          onClick={() => void confirm.onConfirm()}
          data-testid={confirm.testId}
        >
          {confirm.busy ? confirm.busyLabel : confirm.label}
        </button>
      )}
    </div>
  );
}

/** Whether a removal keeps the state folder: what it holds is named, since unticked loses it for good. */
export function KeepStateCheckbox({
  checked,
  onChange,
  label,
}: {
  checked: boolean;
  onChange: (keep: boolean) => void;
  label: string;
}): JSX.Element {
  return (
    <label className="checkbox">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      {label}
    </label>
  );
}
