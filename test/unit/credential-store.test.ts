import { mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/core/agents/agent-options';
import type { AgentConfig } from '../../src/core/agents/agents';
import { credentialSetOf, plainEnvNames, secretEnvNames } from '../../src/core/credentials/agent-secrets';
import { launchSecrets } from '../../src/core/credentials/credential-plan';
import { expiresAtOf, isNewer, planOf } from '../../src/core/credentials/credential-freshness';
import { moveSnapshotSecretsToStore } from '../../src/core/credentials/credential-pickup';
import { credentialStatus } from '../../src/core/credentials/credential-status';
import { forgetSet, offerSecretFile, readStoredFile, storeEnv } from '../../src/core/credentials/credential-store';
import { describeSignIn } from '../../src/shared/credentials-view';
import { useTempHome } from '../helpers/temp-home';
import { credentialsRoot } from '../../src/core/state/state-paths';

const home = useTempHome();

function login(token: string, expiresAt: number | null): Buffer {
  return Buffer.from(
    JSON.stringify({ claudeAiOauth: { accessToken: token, ...(expiresAt === null ? {} : { expiresAt }), subscriptionType: 'max' } }),
  );
}

const config = (overrides: Partial<AgentConfig> = {}): AgentConfig => ({
  description: '',
  command: ['claude'],
  resumeCommand: ['claude'],
  forkCommand: ['claude'],
  workdir: '/workspace',
  user: null,
  transcriptDir: '/home/node/.claude',
  env: [],
  ...DEFAULT_AGENT_OPTIONS,
  secretFiles: ['.credentials.json'],
  ...overrides,
});

const fromBottle = { containerId: 'c1', createdMs: Date.now() };

describe('which login is newer', () => {
  it('compares the expiry the login states, else the modification time; equal content is never newer', () => {
    expect(expiresAtOf(login('a', 2000))).toBe(2000);
    expect(expiresAtOf(Buffer.from('{"expiresAt": 5}'))).toBe(5);
    expect(expiresAtOf(Buffer.from('not json'))).toBeNull();
    expect(planOf(login('a', 1))).toBe('max');
    expect(isNewer({ content: login('b', 3000), mtimeMs: 1000 }, { content: login('a', 2000), mtimeMs: 9000 })).toBe(true);
    expect(isNewer({ content: login('b', 1000), mtimeMs: 9000 }, { content: login('a', 2000), mtimeMs: 1000 })).toBe(false);
    expect(isNewer({ content: Buffer.from('b'), mtimeMs: 9000 }, { content: Buffer.from('a'), mtimeMs: 1000 })).toBe(true);
    // Archives carry whole seconds: within one second, the stored copy stays.
    expect(isNewer({ content: Buffer.from('b'), mtimeMs: 1900 }, { content: Buffer.from('a'), mtimeMs: 1100 })).toBe(false);
    expect(isNewer({ content: login('a', 5), mtimeMs: 9000 }, { content: login('a', 5), mtimeMs: 1 })).toBe(false);
  });
});

describe('the credential store', () => {
  it('lives in <root>/credentials, 0700 folders and 0600 files, and keeps the newest login', async () => {
    expect(await offerSecretFile('claude', '.credentials.json', { content: login('first', 2000), mtimeMs: 5000 }, fromBottle)).toBe(
      'stored',
    );
    expect(credentialsRoot()).toBe(join(home(), 'credentials'));
    expect((await stat(credentialsRoot())).mode & 0o777).toBe(0o700);
    expect((await stat(join(credentialsRoot(), 'claude'))).mode & 0o777).toBe(0o700);
    const file = join(credentialsRoot(), 'claude', 'files', '.credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // The stored copy keeps the login's own time, so later comparisons are fair.
    expect((await readStoredFile('claude', '.credentials.json'))?.mtimeMs).toBe(5000);

    expect(await offerSecretFile('claude', '.credentials.json', { content: login('first', 2000), mtimeMs: 7000 }, fromBottle)).toBe('same');
    expect(await offerSecretFile('claude', '.credentials.json', { content: login('older', 1000), mtimeMs: 9000 }, fromBottle)).toBe(
      'older',
    );
    expect(await offerSecretFile('claude', '.credentials.json', { content: Buffer.alloc(0), mtimeMs: 9000 }, fromBottle)).toBe('empty');
    expect(await offerSecretFile('claude', '.credentials.json', { content: login('refreshed', 3000), mtimeMs: 6000 }, fromBottle)).toBe(
      'stored',
    );
    expect((await readStoredFile('claude', '.credentials.json'))?.content.toString()).toContain('refreshed');
  });

  it('after a sign-out, refuses logins from containers that existed then, unless the store signed them in again', async () => {
    await offerSecretFile('claude', '.credentials.json', { content: login('a', 2000), mtimeMs: 1000 }, fromBottle);
    const before = Date.now() - 1000;
    await forgetSet('claude');
    expect(await readStoredFile('claude', '.credentials.json')).toBeNull();
    const refresh = { content: login('b', 9000), mtimeMs: Date.now() };
    expect(await offerSecretFile('claude', '.credentials.json', refresh, { containerId: 'old', createdMs: before })).toBe('signed-out');
    await forgetSet('claude');
    expect(await offerSecretFile('claude', '.credentials.json', refresh, { containerId: 'new', createdMs: Date.now() + 1000 })).toBe(
      'stored',
    );
  });

  it('refuses names that are paths and sets that are not plain names', async () => {
    await expect(readStoredFile('claude', '../metadata.json')).rejects.toThrow(/invalid secret name/);
    await expect(readStoredFile('../state', 'x')).rejects.toThrow(/invalid credential set/);
  });

  it('says how a set is signed in: a key, then a token, then the subscription; environment values too', async () => {
    expect(describeSignIn(await credentialStatus('claude', {}))).toBe('not signed in');
    await offerSecretFile(
      'claude',
      '.credentials.json',
      { content: login('a', Date.parse('2030-01-01T00:00:00Z')), mtimeMs: 1000 },
      fromBottle,
    );
    const subscription = await credentialStatus('claude', {});
    expect(describeSignIn(subscription)).toBe('subscription (max)');
    expect(subscription.entries).toEqual([
      {
        method: 'subscription',
        name: '.credentials.json',
        source: 'store',
        updatedAt: new Date(1000).toISOString(),
        expiresAt: '2030-01-01T00:00:00.000Z',
        detail: 'max',
      },
    ]);
    await storeEnv('claude', 'CLAUDE_CODE_OAUTH_TOKEN', 'tok');
    expect((await credentialStatus('claude', {})).method).toBe('token');
    const withKey = await credentialStatus('claude', { ANTHROPIC_API_KEY: 'sk-ant-x' });
    expect(withKey.method).toBe('api-key');
    expect(withKey.entries.find((entry) => entry.name === 'ANTHROPIC_API_KEY')).toMatchObject({ source: 'environment' });
    // The status never carries a value.
    expect(JSON.stringify(withKey)).not.toMatch(/tok"|sk-ant-x|"a"/);
    await forgetSet('claude');
    const after = await credentialStatus('claude', {});
    expect(after.method).toBeNull();
    expect(after.forgottenAt).not.toBeNull();
  });
});

describe('an agent’s secrets', () => {
  it('a project agent never shares the operator’s set, whatever it declares', () => {
    expect(credentialSetOf({ name: 'claude', source: 'builtin', project: null, config: config({ credentialSet: 'claude' }) })).toBe(
      'claude',
    );
    expect(credentialSetOf({ name: 'My Agent', source: 'user', project: null, config: config() })).toBe('my-agent');
    expect(credentialSetOf({ name: 'claude', source: 'project', project: '/repo', config: config({ credentialSet: 'claude' }) })).toMatch(
      /^project-claude-[0-9a-f]{16}$/,
    );
  });

  it('moves secret-looking env names to files; plain ones stay environment entries', () => {
    const agent = config({ env: ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN', 'HTTP_PROXY'], secretEnv: ['CLAUDE_CODE_OAUTH_TOKEN'] });
    expect(secretEnvNames(agent)).toEqual(['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_API_KEY', 'GITHUB_TOKEN']);
    expect(plainEnvNames(agent)).toEqual(['HTTP_PROXY']);
  });

  it('a launch gets the stored login and each variable from the launching environment, else the store', async () => {
    const agent = {
      name: 'claude',
      source: 'builtin' as const,
      project: null,
      config: config({ secretEnv: ['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_API_KEY'] }),
    };
    expect(await launchSecrets(agent, { gatewayOn: true, hostEnv: {} })).toEqual({ files: [], env: [] });
    await offerSecretFile('claude', '.credentials.json', { content: login('a', 2000), mtimeMs: 3000 }, fromBottle);
    await storeEnv('claude', 'CLAUDE_CODE_OAUTH_TOKEN', 'stored-token');
    const secrets = await launchSecrets(agent, {
      gatewayOn: true,
      hostEnv: { CLAUDE_CODE_OAUTH_TOKEN: 'shell-token', ANTHROPIC_API_KEY: '' },
    });
    expect(secrets.files).toMatchObject([{ target: '/home/node/.claude/.credentials.json', mtimeMs: 3000 }]);
    expect(secrets.env).toEqual([{ name: 'CLAUDE_CODE_OAUTH_TOKEN', value: 'shell-token' }]);
    expect((await launchSecrets(agent, { gatewayOn: true, hostEnv: {} })).env).toEqual([
      { name: 'CLAUDE_CODE_OAUTH_TOKEN', value: 'stored-token' },
    ]);
  });

  it('a login an older version left in a snapshot moves to the store and out of the state folder', async () => {
    const snapshot = join(home(), 'state', 'claude-abcde', 'transcript');
    await mkdir(snapshot, { recursive: true });
    await writeFile(join(snapshot, '.credentials.json'), login('legacy', 2000));
    await utimes(join(snapshot, '.credentials.json'), 3, 3);
    await writeFile(join(snapshot, 'history.jsonl'), 'kept\n');
    await moveSnapshotSecretsToStore(snapshot, { name: 'claude', source: 'builtin', project: null, config: config() });
    expect((await readStoredFile('claude', '.credentials.json'))?.content.toString()).toContain('legacy');
    await expect(stat(join(snapshot, '.credentials.json'))).rejects.toThrow(/ENOENT/);
    expect((await stat(join(snapshot, 'history.jsonl'))).isFile()).toBe(true);
  });
});
