import { create } from 'zustand';
import type { CredentialStatus } from '../../../shared/credentials-view';

/** How Claude is signed in, as the core last said (pushed on every change, read at start). */
interface CredentialsState {
  status: CredentialStatus | null;
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
  setStatus: (status) => {
    if (status.set === HEADER_CREDENTIAL_SET) set({ status, error: null });
  },
  setError: (message) => set({ error: message }),
  openDialog: (open) => set({ dialogOpen: open }),
}));
