import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refreshAllDue, refreshIfDue } from '../../src/core/credentials/credential-refresh';
import { credentialStatus } from '../../src/core/credentials/credential-status';
import { readStoredFile, writeStoredFile } from '../../src/core/credentials/credential-store';
import { startHomeRefresh } from '../../src/core/credentials/home-refresh-loop';
import { credentialsRoot } from '../../src/core/state/state-paths';
import { describeSignIn } from '../../src/shared/credentials-view';
import { useFakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { runCli } from '../helpers/run-cli';
import { useTempHome } from '../helpers/temp-home';
import { writeTestSettings } from '../helpers/test-settings';

const home = useTempHome();
const service = useFakeTokenEndpoint(home);

const ORIGINAL_REFRESH = 'sk-ant-ort01-original-refresh-token-of-the-operator';
const ORIGINAL_ACCESS = 'sk-ant-oat01-original-access-token-of-the-operator';

/** A subscription login as Claude Code writes it, with a field of its own we must keep. */
async function storeLogin(refreshToken: string, expiresInMs: number, set = 'claude'): Promise<void> {
  const login = {
    claudeAiOauth: {
      accessToken: ORIGINAL_ACCESS,
      refreshToken,
      expiresAt: Date.now() + expiresInMs,
      scopes: ['user:inference'],
      subscriptionType: 'max',
      rateLimitTier: 'default_claude_max_20x',
    },
    someOtherKey: { kept: true },
  };
  await writeStoredFile(set, '.credentials.json', { content: Buffer.from(JSON.stringify(login)), mtimeMs: Date.now() });
}

interface StoredOauth {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  scopes: string[];
  subscriptionType: string;
  rateLimitTier: string;
  refreshTokenExpiresAt?: number;
}

async function storedLogin(set = 'claude'): Promise<{ claudeAiOauth: StoredOauth; someOtherKey: unknown }> {
  const file = await readStoredFile(set, '.credentials.json');
  return JSON.parse(file?.content.toString('utf8') ?? 'null') as { claudeAiOauth: StoredOauth; someOtherKey: unknown };
}

const FIVE_MINUTES = 5 * 60_000;
const THREE_HOURS = 3 * 3600_000;

describe('the home refresh of a subscription login', () => {
  it('refreshes a login that runs out within 10 minutes, through the configured upstream, and saves the rotated refresh token', async () => {
    await service.start();
    service.valid.add(ORIGINAL_REFRESH);
    await storeLogin(ORIGINAL_REFRESH, FIVE_MINUTES);
    const before = Date.now();
    expect(await refreshIfDue('claude')).toEqual({ set: 'claude', result: 'refreshed', reason: null });

    expect(service.requests).toHaveLength(1);
    const [sent] = service.requests;
    expect(sent?.servername).toBe('platform.claude.com');
    expect(sent?.host).toBe('platform.claude.com');
    expect(sent?.path).toBe('/v1/oauth/token');
    expect(sent?.body).toEqual({
      grant_type: 'refresh_token',
      refresh_token: ORIGINAL_REFRESH,
      client_id: '9d1c250a-e61b-44d9-88ed-5944d1962f5e',
      scope: 'user:inference',
    });

    const { claudeAiOauth: oauth, someOtherKey } = await storedLogin();
    expect(oauth.accessToken).toBe(service.accessToken(1));
    expect(oauth.refreshToken).toMatch(/^sk-ant-ort01-rotated-1-/);
    expect(service.valid.has(oauth.refreshToken)).toBe(true);
    expect(oauth.expiresAt).toBeGreaterThanOrEqual(before + 28_800_000);
    expect(oauth.expiresAt).toBeLessThanOrEqual(Date.now() + 28_800_000);
    expect(oauth.scopes).toEqual(['user:inference', 'user:profile']);
    expect(oauth.refreshTokenExpiresAt).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
    expect([oauth.subscriptionType, oauth.rateLimitTier, someOtherKey]).toEqual(['max', 'default_claude_max_20x', { kept: true }]);
    // Atomic and private: no temp file left, mode 0600.
    expect(await readdir(join(credentialsRoot(), 'claude', 'files'))).toEqual(['.credentials.json']);
    expect((await stat(join(credentialsRoot(), 'claude', 'files', '.credentials.json'))).mode & 0o777).toBe(0o600);
    const status = await credentialStatus('claude', {});
    expect(status.entries[0]?.expiresAt).toBe(new Date(oauth.expiresAt).toISOString());
    expect(status.signedOut).toBeNull();

    // Fresh now: the next rounds send nothing.
    expect((await refreshIfDue('claude')).result).toBe('not-due');
    expect(service.requests).toHaveLength(1);
  });

  it('leaves a login with hours left alone, and never sends a placeholder', async () => {
    await service.start();
    await storeLogin(ORIGINAL_REFRESH, THREE_HOURS);
    expect((await refreshIfDue('claude')).result).toBe('not-due');
    await storeLogin('sk-ant-ort01-claude-bottle-placeholder-0123456789abcdef', FIVE_MINUTES, 'other');
    expect((await refreshIfDue('other')).result).toBe('none');
    expect((await refreshIfDue('nothing-here')).result).toBe('none');
    expect(service.requests).toHaveLength(0);
  });

  it('spends each refresh token once: the next refresh sends the rotated one, or the same one when none was returned', async () => {
    await service.start();
    service.valid.add(ORIGINAL_REFRESH);
    await storeLogin(ORIGINAL_REFRESH, FIVE_MINUTES);
    expect((await refreshIfDue('claude')).result).toBe('refreshed');
    const rotated = (await storedLogin()).claudeAiOauth.refreshToken;
    // It runs out again (hours later): the rotated token is sent, never the original again.
    await storeLogin(rotated, FIVE_MINUTES);
    service.rotate = false;
    expect((await refreshIfDue('claude')).result).toBe('refreshed');
    expect(service.requests.map((request) => request.body.refresh_token)).toEqual([ORIGINAL_REFRESH, rotated]);
    // No refresh token in the answer: the stored one stays.
    expect((await storedLogin()).claudeAiOauth).toMatchObject({ refreshToken: rotated, accessToken: service.accessToken(2) });
  });

  it('two refreshers at once, in this process and in two CLI processes, spend the refresh token once', async () => {
    await service.start();
    service.valid.add(ORIGINAL_REFRESH);
    service.delayMs = 500;
    await storeLogin(ORIGINAL_REFRESH, FIVE_MINUTES);
    // `resume` refreshes before it looks for the bottle (which does not exist): a refresher in another process.
    const [here, again, cliA, cliB] = await Promise.all([
      refreshIfDue('claude'),
      refreshIfDue('claude'),
      runCli(['resume', 'nobody-abcde', '--detach']),
      runCli(['resume', 'nobody-fghij', '--detach']),
    ]);
    expect(service.requests).toHaveLength(1);
    expect(service.requests[0]?.body.refresh_token).toBe(ORIGINAL_REFRESH);
    const results = [here.result, again.result].sort();
    expect(['not-due', 'refreshed']).toEqual(expect.arrayContaining(results));
    for (const cli of [cliA, cliB]) {
      expect(cli.stderr).not.toMatch(/signed out|could not refresh/);
      expect(cli.stderr).toMatch(/nobody-/); // it went on to the resume, which found no such bottle
    }
    const { claudeAiOauth: oauth } = await storedLogin();
    expect(oauth.accessToken).toBe(service.accessToken(1));
    expect((await credentialStatus('claude', {})).signedOut).toBeNull();
    expect(await readdir(join(credentialsRoot(), 'claude'))).not.toContain('refresh.lock');
  });

  it('a revoked login shows signed out with the reason, in the status and the CLI; a new login clears it', async () => {
    await service.start();
    await storeLogin(ORIGINAL_REFRESH, FIVE_MINUTES); // the service does not take it: revoked
    const refused = await refreshIfDue('claude');
    expect(refused).toEqual({ set: 'claude', result: 'refused', reason: 'invalid_grant: Refresh token not found or invalid' });
    const record = await readFile(join(credentialsRoot(), 'claude', 'refresh-failed.json'), 'utf8');
    expect(record).not.toContain(ORIGINAL_REFRESH);
    expect(record).not.toContain(ORIGINAL_ACCESS);
    // The login itself is left as it was (the operator may want to look), and never sent again.
    expect((await storedLogin()).claudeAiOauth.refreshToken).toBe(ORIGINAL_REFRESH);
    expect(await refreshIfDue('claude')).toEqual({
      set: 'claude',
      result: 'signed-out',
      reason: 'invalid_grant: Refresh token not found or invalid',
    });
    expect(service.requests).toHaveLength(1);

    const status = await credentialStatus('claude', {});
    expect(status.signedOut).toMatchObject({ reason: 'invalid_grant: Refresh token not found or invalid' });
    expect(describeSignIn(status)).toBe('signed out: invalid_grant: Refresh token not found or invalid');
    const cli = await runCli(['credentials', 'status']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('claude: signed out: invalid_grant: Refresh token not found or invalid');
    const json = await runCli(['credentials', 'status', '--json']);
    expect((JSON.parse(json.stdout) as { signedOut: unknown }).signedOut).toMatchObject({
      reason: 'invalid_grant: Refresh token not found or invalid',
    });
    expect(json.stdout + cli.stdout).not.toContain(ORIGINAL_REFRESH);

    // A new login (a sign-in) replaces it: signed in again, and it is refreshed as usual.
    const fresh = 'sk-ant-ort01-a-new-login-after-signing-in-again';
    service.valid.add(fresh);
    await storeLogin(fresh, FIVE_MINUTES);
    expect((await credentialStatus('claude', {})).signedOut).toBeNull();
    expect((await runCli(['credentials', 'status'])).stdout).toContain('claude: subscription (max)');
    expect((await refreshIfDue('claude')).result).toBe('refreshed');
    expect(await readdir(join(credentialsRoot(), 'claude'))).not.toContain('refresh-failed.json');
  });

  it('no network, an untrusted certificate, a server error or a bad setting is retried later and never signs out', async () => {
    const { caFile, port } = await service.start();
    service.valid.add(ORIGINAL_REFRESH);
    await storeLogin(ORIGINAL_REFRESH, FIVE_MINUTES);
    const original = await readStoredFile('claude', '.credentials.json');
    const upstream = async (entry: Record<string, unknown>): Promise<void> =>
      writeTestSettings({ credentialUpstreams: { 'platform.claude.com:443': entry } });
    // Nothing listens there.
    await upstream({ address: '127.0.0.1:1', caFile });
    expect(await refreshIfDue('claude')).toMatchObject({ result: 'failed', reason: expect.stringMatching(/ECONNREFUSED/) as unknown });
    // The service's address without its CA: its certificate is not trusted, so nothing is sent.
    await upstream({ address: `127.0.0.1:${port}` });
    expect(await refreshIfDue('claude')).toMatchObject({ result: 'failed', reason: expect.stringMatching(/certificate/) as unknown });
    // A setting that cannot be used says which.
    await upstream({ address: `127.0.0.1:${port}`, caFile: '/nonexistent/ca.pem' });
    expect(await refreshIfDue('claude')).toMatchObject({ result: 'failed', reason: expect.stringMatching(/caFile/) as unknown });
    // The service itself fails.
    await upstream({ address: `127.0.0.1:${port}`, caFile });
    service.failWith = 503;
    expect(await refreshAllDue()).toEqual([{ set: 'claude', result: 'failed', reason: 'the sign-in service answered 503' }]);
    expect(service.valid.has(ORIGINAL_REFRESH)).toBe(true);
    expect((await credentialStatus('claude', {})).signedOut).toBeNull();
    expect(await readdir(join(credentialsRoot(), 'claude'))).not.toContain('refresh-failed.json');
    expect((await readStoredFile('claude', '.credentials.json'))?.content.equals(original?.content ?? Buffer.alloc(0))).toBe(true);
    // Back, with an answer whose scopes would make the file no subscription login for Claude Code:
    // the new tokens are saved (the old refresh token is spent), the login's own scopes kept.
    service.failWith = null;
    service.scope = 'user:profile';
    expect((await refreshIfDue('claude')).result).toBe('refreshed');
    expect((await storedLogin()).claudeAiOauth).toMatchObject({ accessToken: service.accessToken(1), scopes: ['user:inference'] });
  });

  it("the live core's loop refreshes on its own and tells the front ends", async () => {
    await service.start();
    service.valid.add(ORIGINAL_REFRESH);
    await storeLogin(ORIGINAL_REFRESH, FIVE_MINUTES);
    const changed: string[] = [];
    const warnings: string[] = [];
    const loop = startHomeRefresh(
      { round: refreshAllDue, changed: (set) => changed.push(set), warn: (message) => warnings.push(message) },
      100,
    );
    try {
      await expect.poll(() => changed, { timeout: 10_000 }).toEqual(['claude']);
      expect((await storedLogin()).claudeAiOauth.accessToken).toBe(service.accessToken(1));
      expect(warnings).toEqual([]);
    } finally {
      loop.close();
    }
  });

  it("a refusal another process met reaches the live core's front ends", async () => {
    await service.start();
    await storeLogin(ORIGINAL_REFRESH, FIVE_MINUTES); // revoked: the service does not take it
    const cli = await runCli(['start', 'no-such-agent-here', '--detach', '--json']);
    expect(cli.stderr).toContain('claude: signed out: invalid_grant: Refresh token not found or invalid');
    expect(service.requests).toHaveLength(1);
    const changed: string[] = [];
    const loop = startHomeRefresh({ round: refreshAllDue, changed: (set) => changed.push(set), warn: () => undefined }, 100);
    try {
      await expect.poll(() => changed, { timeout: 10_000 }).toEqual(['claude']);
      expect(service.requests).toHaveLength(1); // never sent again
    } finally {
      loop.close();
    }
  });
});
