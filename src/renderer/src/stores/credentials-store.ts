import { create } from 'zustand';
import type { CredentialStatus, SignedOutState } from '../../../shared/credentials-view';

/** How Claude is signed in, as the core last said (pushed on every change, read at start). */
interface CredentialsState {
  status: CredentialStatus | null;
  /** Every set the core said is signed out (a refused refresh), for the cards of its bottles. */
  signedOut: Record<string, SignedOutState>;
  error: string | null;
  dialogOpen: boolean;
  setStatus(status: CredentialStatus): void;
  setError(message: string | null): void;
  openDialog(open: boolean): void;
}

/** The credential set the header shows: the shipped Claude Code agent's. */
export const HEADER_CREDENTIAL_SET = 'claude';

export const useCredentialsStore = create<CredentialsState>()((set) => ({
  status: null,
  error: null,
  dialogOpen: false,
  signedOut: {},
  setStatus: (status) => {
    set((state) => {
      const { [status.set]: _previous, ...others } = state.signedOut;
      const signedOut = status.signedOut === null ? others : { ...others, [status.set]: status.signedOut };
      return status.set === HEADER_CREDENTIAL_SET ? { status, signedOut, error: null } : { signedOut };
    });
  },
  setError: (message) => set({ error: message }),
  openDialog: (open) => set({ dialogOpen: open }),
}));

/** Why the bottle's credential set is signed out; null when it is not (or not known to be). */
export function useSignedOut(credentialSet: string | null): SignedOutState | null {
  return useCredentialsStore((state) =>
    credentialSet !== null && Object.hasOwn(state.signedOut, credentialSet) ? (state.signedOut[credentialSet] ?? null) : null,
  );
}
