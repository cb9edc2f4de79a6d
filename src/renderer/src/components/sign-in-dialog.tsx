import { lazy, Suspense, useState, type FormEvent, type JSX } from 'react';
import { describeSignIn, methodLabel, type CredentialEntry } from '../../../shared/credentials-view';
import { escapeControl } from '../../../shared/escape-text';
import type { SecretName } from '../../../shared/ipc-contract';
import { signOut, storeSecret } from '../lib/credential-actions';
import { exactTime, relativeTime } from '../lib/format';
import { useCredentialsStore } from '../stores/credentials-store';
import { useUiStore } from '../stores/ui-store';
import { useModalDialog } from './use-modal-dialog';
import { DialogActions } from './dialog-actions';

const TerminalView = lazy(() => import('./terminal-view'));

/** The header's sign-in chip: how Claude is signed in, at a glance; it opens the dialog. */
export function SignInChip(): JSX.Element {
  const status = useCredentialsStore((state) => state.status);
  const error = useCredentialsStore((state) => state.error);
  const openDialog = useCredentialsStore((state) => state.openDialog);
  const signedIn = status !== null && status.method !== null && status.signedOut === null;
  const tone = status === null ? 'chip-muted' : signedIn ? 'chip-ok' : 'chip-warn';
  // The reason is long (the service's words): the chip says signed out, its tooltip and dialog say why.
  const signedOut = status?.signedOut ?? null;
  return (
    <button
      type="button"
      className={`chip chip-button ${tone}`}
      onClick={() => openDialog(true)}
      title={error ?? (signedOut !== null ? `Signed out: ${escapeControl(signedOut.reason)}` : 'How bottles sign in to Claude')}
      aria-haspopup="dialog"
      data-testid="sign-in-chip"
    >
      <span className="dot" aria-hidden="true" />
      {status === null ? 'Claude: …' : signedOut !== null ? 'Claude: signed out' : `Claude: ${describeSignIn(status)}`}
    </button>
  );
}

function EntryRow({ entry }: { entry: CredentialEntry }): JSX.Element {
  const now = useUiStore((state) => state.now);
  const where =
    entry.source === 'environment'
      ? 'set in the environment the app was started from'
      : entry.updatedAt === null
        ? 'saved'
        : `saved ${relativeTime(entry.updatedAt, now)}`;
  return (
    <li title={entry.updatedAt === null ? undefined : exactTime(entry.updatedAt)}>
      <strong>{methodLabel(entry.method)}</strong>
      {entry.detail !== null ? ` (${entry.detail})` : ''} <code>{entry.name}</code>
      <span className="muted"> · {where}</span>
    </li>
  );
}

function TokenForm(): JSX.Element {
  const [name, setName] = useState<SecretName>('CLAUDE_CODE_OAUTH_TOKEN');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const onSubmit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    const saved = await storeSecret(name, value);
    setBusy(false);
    if (saved) setValue('');
  };
  return (
    <form className="token-form" onSubmit={(event) => void onSubmit(event)} aria-label="Save a token or API key">
      <select value={name} onChange={(event) => setName(event.target.value as SecretName)} aria-label="Kind of secret">
        <option value="CLAUDE_CODE_OAUTH_TOKEN">Token (claude setup-token)</option>
        <option value="ANTHROPIC_API_KEY">API key</option>
      </select>
      <input
        type="password"
        autoComplete="off"
        spellCheck={false}
        placeholder="Paste it here"
        value={value}
        onChange={(event) => setValue(event.target.value)}
        aria-label="Token or API key"
        data-testid="token-input"
      />
      <button type="submit" className="button" disabled={busy || value.trim() === ''}>
        {busy ? 'Saving…' : 'Save'}
      </button>
    </form>
  );
}

/**
 * The sign-in flow (issue 20) on a terminal in the dialog: `claude auth login` in a short-lived
 * container that reaches only Claude's sign-in hosts. Unmounting it (Cancel, closing the dialog)
 * closes the terminal, which cancels the flow and removes its container.
 */
function SignInTerminal({ onDone }: { onDone: () => void }): JSX.Element {
  return (
    <div className="sign-in-flow" data-testid="sign-in-flow">
      <p>
        Open the link it shows in your browser, sign in there, then paste the code it gives you here. The container reaches only Claude’s
        sign-in hosts; the login it makes goes to the credential store, and the container is removed.
      </p>
      <div className="sign-in-terminal">
        <Suspense fallback={<p className="panel-empty">Loading the terminal…</p>}>
          <TerminalView identity="" kind="sign-in" />
        </Suspense>
      </div>
      <button type="button" className="button button-small" onClick={onDone} data-testid="sign-in-flow-close">
        Cancel or close the sign-in
      </button>
    </div>
  );
}

/** Sign-in details, Sign in, Sign out, and other ways in: a native modal, Esc closes it (and cancels a sign-in). */
export function SignInDialog(): JSX.Element {
  const open = useCredentialsStore((state) => state.dialogOpen);
  const openDialog = useCredentialsStore((state) => state.openDialog);
  const status = useCredentialsStore((state) => state.status);
  const error = useCredentialsStore((state) => state.error);
  const dialogRef = useModalDialog(open);
  const now = useUiStore((state) => state.now);
  const [busy, setBusy] = useState(false);
  const [signingIn, setSigningIn] = useState(false);
  const close = (): void => {
    setSigningIn(false);
    openDialog(false);
  };

  const stored = status?.entries.filter((entry) => entry.source === 'store') ?? [];
  const fromEnvironment = status?.entries.filter((entry) => entry.source === 'environment') ?? [];
  const onSignOut = async (): Promise<void> => {
    setBusy(true);
    if (await signOut()) openDialog(false);
    setBusy(false);
  };

  return (
    <dialog
      ref={dialogRef}
      className={`confirm sign-in ${signingIn ? 'is-signing-in' : ''}`}
      onClose={close}
      aria-labelledby="sign-in-title"
      data-testid="sign-in-dialog"
    >
      <h2 id="sign-in-title">Claude: {status === null ? 'checking…' : describeSignIn(status)}</h2>
      {status?.signedOut ? (
        <p className="sign-in-error" role="alert" data-testid="signed-out-reason">
          The sign-in service refused this login when it was refreshed{' '}
          <time dateTime={status.signedOut.at} title={exactTime(status.signedOut.at)}>
            {relativeTime(status.signedOut.at, now)}
          </time>
          : bottles that use it are signed out until you sign in again.
        </p>
      ) : null}
      {status !== null && status.entries.length > 0 ? (
        <ul className="sign-in-entries">
          {status.entries.map((entry) => (
            <EntryRow key={`${entry.source}-${entry.name}`} entry={entry} />
          ))}
        </ul>
      ) : null}
      {stored.length > 0 && status?.signedOut === null ? (
        <p>
          Every new, resumed or rebuilt bottle starts signed in with this. Signing out deletes it from <code>{status?.storeDir}</code>;
          bottles running now are signed out at once (the gateway stops signing their requests).
        </p>
      ) : (
        <p>Sign in once, and every later bottle starts signed in.</p>
      )}
      {signingIn && open ? (
        <SignInTerminal onDone={() => setSigningIn(false)} />
      ) : (
        <button
          type="button"
          className="button button-primary sign-in-start"
          onClick={() => setSigningIn(true)}
          data-testid="sign-in-start"
        >
          {stored.length > 0 ? 'Sign in again…' : 'Sign in with Claude…'}
        </button>
      )}
      {stored.length === 0 && !signingIn ? (
        <>
          <p>
            Or paste a token from <code>claude setup-token</code>, or an API key:
          </p>
          <TokenForm />
        </>
      ) : null}
      {fromEnvironment.length > 0 ? (
        <p className="muted">Values set in the app’s environment are passed to bottles too; Sign out cannot remove them.</p>
      ) : null}
      {error !== null ? (
        <p className="sign-in-error" role="alert">
          {error}
        </p>
      ) : null}
      <DialogActions
        dismissLabel="Close"
        onDismiss={close}
        confirm={
          stored.length > 0
            ? { label: 'Sign out', busyLabel: 'Signing out…', tone: 'danger', busy, onConfirm: onSignOut, testId: 'sign-out' }
            : null
        }
      />
    </dialog>
  );
}
