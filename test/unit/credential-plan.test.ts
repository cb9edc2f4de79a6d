import { X509Certificate } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentOptionsFrom, agentOptionsProblem } from '../../src/core/agents/agent-options';
import { credentialDeclarationsSchema } from '../../src/core/agents/agent-credentials';
import type { AgentConfig } from '../../src/core/agents/agents';
import { credentialPlan, launchSecrets, storedInjections } from '../../src/core/credentials/credential-plan';
import { isPlaceholder, placeholderFor } from '../../src/core/credentials/credential-placeholders';
import { storeEnv } from '../../src/core/credentials/credential-store';
import { installationCa, LeafCertificates } from '../../src/core/credentials/gateway-ca';
import { secretPlacements } from '../../src/core/credentials/secret-placements';
import { credentialsMessage, type GatewayBottle } from '../../src/core/services/gateway-tables';
import { checkSettings } from '../../src/core/state/settings';
import { readCredentialUpstreams } from '../../src/core/state/settings-credentials';
import { credentialsRoot } from '../../src/core/state/state-paths';
import { secretPlacementText } from '../../src/shared/secret-placement';
import { useTempHome } from '../helpers/temp-home';

const home = useTempHome();

const DECLARED = [
  { file: '.credentials.json', hosts: ['api.anthropic.com:443'], header: 'authorization' },
  { env: 'ANTHROPIC_API_KEY', hosts: ['api.anthropic.com:443'], header: 'x-api-key' },
];

function agent(credentials: unknown[] = DECLARED): { name: string; source: 'builtin'; project: null; config: AgentConfig } {
  const options = agentOptionsFrom({
    secretFiles: ['.credentials.json'],
    secretEnv: ['ANTHROPIC_API_KEY', 'GH_TOKEN'],
    credentialSet: 'claude',
    credentials: credentialDeclarationsSchema.parse(credentials),
  });
  const config = {
    command: ['claude'],
    resumeCommand: ['claude'],
    workdir: '/workspace',
    user: 'node',
    transcriptDir: '/home/node/.claude',
    env: [],
    ...options,
  };
  return { name: 'claude', source: 'builtin', project: null, config: config as unknown as AgentConfig };
}

async function storeLogin(accessToken: string): Promise<void> {
  const dir = join(credentialsRoot(), 'claude', 'files');
  await mkdir(dir, { recursive: true });
  const login = {
    claudeAiOauth: { accessToken, refreshToken: 'sk-ant-ort01-REAL', expiresAt: 1, scopes: ['user:inference'], subscriptionType: 'pro' },
  };
  await writeFile(join(dir, '.credentials.json'), JSON.stringify(login));
}

describe('credentials stay home: placeholders, the plan, the table', () => {
  it('placeholders are shaped like their kind, fixed per set and kind, and say nothing of the value', () => {
    expect(placeholderFor('claude', 'api-key')).toMatch(/^sk-ant-api03-claude-bottle-placeholder-[0-9a-f]{16}$/);
    expect(placeholderFor('claude', 'oauth')).toMatch(/^sk-ant-oat01-claude-bottle-placeholder-[0-9a-f]{16}$/);
    expect(placeholderFor('claude', 'refresh')).toMatch(/^sk-ant-ort01-claude-bottle-placeholder-/);
    expect(placeholderFor('other', 'other')).toMatch(/^claude-bottle-placeholder-[0-9a-f]{16}$/);
    expect(placeholderFor('claude', 'oauth')).toBe(placeholderFor('claude', 'oauth'));
    expect(placeholderFor('claude', 'oauth')).not.toBe(placeholderFor('work', 'oauth'));
    expect(isPlaceholder(placeholderFor('x', 'other'))).toBe(true);
  });

  it('declared secrets go in as placeholders and into the table; undeclared and shell-passed ones are held in the bottle', async () => {
    await storeLogin('sk-ant-oat01-REAL');
    await storeEnv('claude', 'ANTHROPIC_API_KEY', 'sk-ant-api03-REAL');
    await storeEnv('claude', 'GH_TOKEN', 'ghp_REAL');
    const secrets = await launchSecrets(agent(), { gatewayOn: true, hostEnv: {} });
    const text = JSON.stringify({ files: secrets.files.map((file) => file.content.toString()), env: secrets.env });
    expect(text).not.toContain('sk-ant-oat01-REAL');
    expect(text).not.toContain('sk-ant-ort01-REAL');
    expect(text).not.toContain('sk-ant-api03-REAL');
    expect(secrets.env).toContainEqual({ name: 'GH_TOKEN', value: 'ghp_REAL' });
    expect(JSON.parse(secrets.files[0]?.content.toString() ?? '')).toEqual({
      claudeAiOauth: {
        accessToken: placeholderFor('claude', 'oauth'),
        refreshToken: placeholderFor('claude', 'refresh'),
        expiresAt: 253402300799000,
        scopes: ['user:inference'],
        subscriptionType: 'pro',
      },
    });
    expect(await storedInjections(agent())).toEqual([
      {
        hosts: [{ host: 'api.anthropic.com', port: 443 }],
        header: 'x-api-key',
        placeholder: placeholderFor('claude', 'api-key'),
        value: 'sk-ant-api03-REAL',
      },
      {
        hosts: [{ host: 'api.anthropic.com', port: 443 }],
        header: 'authorization',
        placeholder: placeholderFor('claude', 'oauth'),
        value: 'sk-ant-oat01-REAL',
      },
    ]);
    // From the launching shell: no table could sign with it, so it is held as it is.
    const fromShell = await credentialPlan(agent(), { gatewayOn: true, hostEnv: { ANTHROPIC_API_KEY: 'sk-ant-api03-SHELL' } });
    expect(fromShell.find((entry) => 'env' in entry.secret && entry.secret.env === 'ANTHROPIC_API_KEY')?.place).toBe(
      'bottle-from-environment',
    );
    // The gateway off: nothing signs, everything is held as before.
    const off = await launchSecrets(agent(), { gatewayOn: false, hostEnv: {} });
    expect(off.env).toContainEqual({ name: 'ANTHROPIC_API_KEY', value: 'sk-ant-api03-REAL' });
    expect(off.files[0]?.content.toString()).toContain('sk-ant-oat01-REAL');
  });

  it('the Trust step and Inspect name each secret', () => {
    const on = secretPlacements(agent().config, true);
    expect(on.map((entry) => `${entry.name}: ${secretPlacementText(entry)}`)).toEqual([
      '.credentials.json: signed by the gateway for api.anthropic.com:443',
      'ANTHROPIC_API_KEY: signed by the gateway for api.anthropic.com:443',
      'GH_TOKEN: held in the bottle',
    ]);
    expect(secretPlacements(agent().config, false).map(secretPlacementText)).toEqual([
      'held in the bottle (gateway off)',
      'held in the bottle (gateway off)',
      'held in the bottle',
    ]);
  });

  it('agent.json `credentials` refuses what it cannot sign, with a one-line reason', () => {
    const bad = (entry: unknown): string => {
      const parsed = credentialDeclarationsSchema.safeParse([entry]);
      return parsed.success ? 'accepted' : (parsed.error.issues[0]?.message ?? '');
    };
    expect(bad({ file: 'token.txt', hosts: ['a.example:443'], header: 'authorization' })).toMatch(
      /no login format the gateway can sign with/,
    );
    expect(bad({ env: 'X', hosts: ['*.example:443'], header: 'authorization' })).toMatch(/is not a host name|HOST:PORT/);
    expect(bad({ env: 'X', hosts: ['10.0.0.1:443'], header: 'authorization' })).toMatch(/name a host/);
    expect(bad({ env: 'X', hosts: ['a.example'], header: 'authorization' })).toMatch(/HOST:PORT/);
    expect(bad({ env: 'X', hosts: ['a.example:443'], header: 'Authorization' })).toMatch(/lower-case/);
    expect(bad({ env: 'X', file: '.credentials.json', hosts: ['a.example:443'], header: 'authorization' })).toMatch(/exactly one/);
    const problem = agentOptionsProblem({
      secretEnv: [],
      credentials: credentialDeclarationsSchema.parse([{ env: 'OTHER', hosts: ['a.example:443'], header: 'x' }]),
    });
    expect(problem).toEqual({ field: 'credentials', message: 'env OTHER is not in secretEnv' });
  });

  it('the table: only the sets of the bottles given, the first of one placeholder per host and header, certificates and upstreams', async () => {
    const injection = { hosts: [{ host: 'api.anthropic.com', port: 443 }], header: 'authorization', placeholder: 'PH', value: 'REAL-1' };
    const bottle = (set: string | null, value: string): GatewayBottle => ({
      ip: '10.0.0.3',
      agent: 'claude',
      policy: { identity: 'b', mode: 'ask', rules: [] },
      credentialSet: set,
      injections: set === null ? [] : [{ ...injection, value }],
    });
    const message = credentialsMessage([bottle('claude', 'REAL-1'), bottle('claude', 'REAL-2'), bottle(null, 'x')], [], []);
    expect(message).toEqual({
      type: 'credentials',
      sets: [
        {
          set: 'claude',
          injections: [{ host: 'api.anthropic.com', port: 443, header: 'authorization', placeholder: 'PH', value: 'REAL-1' }],
        },
      ],
      certificates: [],
      upstreams: [],
    });
  });

  it('settings.json credentialUpstreams: checked, each CA read; a bad entry is one line naming the key', async () => {
    expect(() => checkSettings({ credentialUpstreams: { 'api.anthropic.com': { address: '11.0.0.1:8443' } } }, 'settings.json')).toThrow(
      /credentialUpstreams\.api\.anthropic\.com.*HOST:PORT/,
    );
    expect(() => checkSettings({ credentialUpstreams: { 'api.anthropic.com:443': { address: 'host:1' } } }, 'settings.json')).toThrow(
      /credentialUpstreams\.api\.anthropic\.com:443\.address/,
    );
    const caFile = join(home(), 'up-ca.pem');
    await writeFile(caFile, (await installationCa()).certPem);
    const settings = checkSettings(
      { credentialUpstreams: { 'api.anthropic.com:443': { address: '11.0.0.1:8443', caFile } } },
      'settings.json',
    );
    expect(await readCredentialUpstreams(settings.credentialUpstreams)).toEqual([
      { host: 'api.anthropic.com', port: 443, address: '11.0.0.1', addressPort: 8443, ca: (await installationCa()).certPem },
    ]);
    await expect(
      readCredentialUpstreams({ 'api.anthropic.com:443': { address: '11.0.0.1:8443', caFile: join(home(), 'missing.pem') } }),
    ).rejects.toThrow(/credentialUpstreams\.api\.anthropic\.com:443\.caFile: cannot read .*ENOENT/);
  });

  it('one CA per installation, even when made by several at once; its key 0600; leaf certificates signed by it for their host', async () => {
    const made = await Promise.all([installationCa(), installationCa(), installationCa()]);
    expect(new Set(made.map((ca) => ca.certPem)).size).toBe(1);
    const keyFile = join(credentialsRoot(), '.gateway-ca', 'ca-key.pem');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(credentialsRoot(), '.gateway-ca'))).mode & 0o777).toBe(0o700);
    const ca = new X509Certificate(made[0]?.certPem ?? '');
    expect(ca.ca).toBe(true);
    const leafs = new LeafCertificates();
    const leaf = await leafs.forHost('api.anthropic.com');
    const cert = new X509Certificate(leaf.cert);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkHost('api.anthropic.com')).toBe('api.anthropic.com');
    expect(cert.checkHost('evil.example')).toBeUndefined();
    expect(Date.parse(cert.validTo) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(Date.parse(cert.validTo) - Date.now()).toBeLessThan(31 * 86_400_000);
    // Made once per host while it has time left.
    expect((await leafs.forHost('api.anthropic.com')).cert).toBe(leaf.cert);
  }, 60_000);
});
