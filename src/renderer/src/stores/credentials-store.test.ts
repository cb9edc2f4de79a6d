import { describe, expect, it } from 'vitest';
import type { CredentialStatus } from '../../../shared/credentials-view';
import { useCredentialsStore } from './credentials-store';

function status(set: string, signedOut: CredentialStatus['signedOut']): CredentialStatus {
  return { set, method: 'subscription', entries: [], storeDir: '/store', forgottenAt: null, signedOut };
}

describe('the credentials store', () => {
  it('keeps which sets are signed out, for the cards, and the header set for the chip', () => {
    const refused = { at: '2026-12-03T17:00:00.000Z', reason: 'invalid_grant: revoked' };
    useCredentialsStore.getState().setStatus(status('claude', refused));
    useCredentialsStore.getState().setStatus(status('other-agent', refused));
    expect(useCredentialsStore.getState().status?.set).toBe('claude');
    expect(Object.keys(useCredentialsStore.getState().signedOut).sort()).toEqual(['claude', 'other-agent']);
    // Signed in again (a new login): the mark goes, the other set's stays, the chip keeps the header set.
    useCredentialsStore.getState().setStatus(status('claude', null));
    expect(useCredentialsStore.getState().signedOut).toEqual({ 'other-agent': refused });
    useCredentialsStore.getState().setStatus(status('other-agent', null));
    expect(useCredentialsStore.getState().signedOut).toEqual({});
    expect(useCredentialsStore.getState().status?.signedOut).toBeNull();
  });
});
