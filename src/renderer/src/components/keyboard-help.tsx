import type { JSX } from 'react';
import { create } from 'zustand';
import { LIST_KEYS } from '../lib/list-keys';
import { keyName, NETWORK_ANSWER_TABLE } from '../lib/network-answers';
import { PERMISSION_ANSWER_TABLE } from '../lib/permission-answers';
import { useModalDialog } from './use-modal-dialog';

const useKeysHelp = create<{ open: boolean; set(open: boolean): void }>()((set) => ({ open: false, set: (open) => set({ open }) }));

export function openKeyboardHelp(): void {
  useKeysHelp.getState().set(true);
}

/** `?`: the list's keys, in a native modal dialog (Esc closes it). */
export function KeyboardHelp(): JSX.Element {
  const open = useKeysHelp((state) => state.open);
  const set = useKeysHelp((state) => state.set);
  const dialogRef = useModalDialog(open);
  return (
    <dialog
      ref={dialogRef}
      className="confirm keys-help"
      onClose={() => set(false)}
      data-testid="keyboard-help"
      aria-labelledby="keys-help-title"
    >
      <h2 id="keys-help-title">Keyboard</h2>
      <table>
        <tbody>
          {LIST_KEYS.map((entry) => (
            <tr key={entry.keys}>
              <th scope="row">
                <kbd>{entry.keys}</kbd>
              </th>
              <td>{entry.does}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>In the approval panel, on a held network request</h3>
      <table data-testid="approval-keys">
        <tbody>
          {NETWORK_ANSWER_TABLE.map((entry) => (
            <tr key={entry.answer}>
              <th scope="row">
                <kbd>{keyName(entry.key)}</kbd>
              </th>
              <td>
                {entry.label} — {entry.title.charAt(0).toLowerCase()}
                {entry.title.slice(1)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>In the approval panel, on an agent&apos;s permission question</h3>
      <table data-testid="permission-keys">
        <tbody>
          {PERMISSION_ANSWER_TABLE.map((entry) => (
            <tr key={entry.answer}>
              <th scope="row">
                <kbd>{keyName(entry.key)}</kbd>
              </th>
              <td>
                {entry.label} — {entry.title.charAt(0).toLowerCase()}
                {entry.title.slice(1)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">In a terminal every key goes to the program there; click outside it (or Esc elsewhere) to use these.</p>
      <div className="confirm-actions">
        <button type="button" className="button" onClick={() => set(false)} autoFocus>
          Close
        </button>
      </div>
    </dialog>
  );
}
