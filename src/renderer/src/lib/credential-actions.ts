import type { SecretName } from '../../../shared/ipc-contract';
import { invoke, messageOf } from '../api/api';
import { useCredentialsStore } from '../stores/credentials-store';
import { useUiStore } from '../stores/ui-store';

export async function loadCredentials(): Promise<void> {
  try {
    useCredentialsStore.getState().setStatus(await invoke('credentials:status'));
  } catch (error: unknown) {
    useCredentialsStore.getState().setError(messageOf(error));
  }
}

/** Sign out: true when it worked (the dialog then closes). */
export async function signOut(): Promise<boolean> {
  try {
    useCredentialsStore.getState().setStatus(await invoke('credentials:forget'));
    useUiStore.getState().notify('info', 'Signed out of Claude: no bottle’s requests are signed with that login any more.');
    return true;
  } catch (error: unknown) {
    useCredentialsStore.getState().setError(`Could not sign out: ${messageOf(error)}`);
    return false;
  }
}

/** Stores a pasted token or key; true when it worked. The value is never kept in the page. */
export async function storeSecret(name: SecretName, value: string): Promise<boolean> {
  try {
    useCredentialsStore.getState().setStatus(await invoke('credentials:set', { name, value }));
    useUiStore
      .getState()
      .notify('info', `Saved ${name === 'ANTHROPIC_API_KEY' ? 'the API key' : 'the token'}: new bottles start signed in.`);
    return true;
  } catch (error: unknown) {
    useCredentialsStore.getState().setError(messageOf(error));
    return false;
  }
}
