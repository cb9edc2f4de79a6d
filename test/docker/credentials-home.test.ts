import { copyFile, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import { createCore } from '../../src/core/create-core';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { gatewayContainerName } from '../../src/core/engine/gateway-container';
import { instanceId } from '../../src/core/state/instance-id';
import { credentialsRoot } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { writeClaudeStandIn } from '../helpers/claude-stand-in';
import { skipWithoutDocker } from '../helpers/docker-available';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { API_HOST, TOKEN_HOST, useFakeAnthropic } from '../helpers/fake-anthropic';
import { ensureTestNodeBaseImage, TEST_NODE_BASE_IMAGE } from '../helpers/node-base-image';
import { rawDocker } from '../helpers/raw-docker';
import { runCli } from '../helpers/run-cli';
import { writeTestSettings } from '../helpers/test-settings';
import { claudeBottleRoot } from '../../src/core/state/state-paths';

/*
 * Issue 20 end to end on the real engine: a Claude-shaped stand-in agent (busybox, plus node and
 * test/fixtures/signed-request.mjs, which sends its credential the way Claude Code does) in a bottle
 * behind the REAL gateway, and the Anthropic service played by a TLS server of this test on a
 * public-looking address (test/helpers/fake-anthropic.ts), where settings.json's
 * `credentialUpstreams` sends the gateway's and the home refresh's requests.
 */

const env = useBottleTestEnv();
const fake = useFakeAnthropic(161);
const docker = rawDocker();
const REAL_KEY = 'sk-ant-api03-real-key-of-the-operator-0123456789abcdefghijklmnopqrstuvwxyz';
const SIGNED_REQUEST = join(import.meta.dirname, '..', 'fixtures', 'signed-request.mjs');

beforeAll(async () => {
  await ensureTestNodeBaseImage(docker);
}, 120_000);

/** The stored subscription login the fake service knows, expiring in `inMs`. */
async function storeLogin(inMs: number): Promise<void> {
  const dir = join(credentialsRoot(), 'claude', 'files');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const login = {
    claudeAiOauth: {
      accessToken: fake.login.access,
      refreshToken: fake.login.refresh,
      expiresAt: Date.now() + inMs,
      scopes: ['user:inference', 'user:profile'],
      subscriptionType: 'max',
    },
  };
  await writeFile(join(dir, '.credentials.json'), JSON.stringify(login), { mode: 0o600 });
}

async function storedLogin(): Promise<{ accessToken: string; refreshToken: string; expiresAt: number }> {
  const text = await readFile(join(credentialsRoot(), 'claude', 'files', '.credentials.json'), 'utf8');
  return (JSON.parse(text) as { claudeAiOauth: { accessToken: string; refreshToken: string; expiresAt: number } }).claudeAiOauth;
}

beforeEach(async () => {
  await fake.start();
  await writeTestSettings({ credentialUpstreams: fake.upstreams() });
  // The stand-in declares its credentials as the shipped agent does; it also gets node and the request script.
  const dir = await writeClaudeStandIn(join(claudeBottleRoot(), 'agents'));
  await copyFile(SIGNED_REQUEST, join(dir, 'signed-request.mjs'));
  const agent = JSON.parse(await readFile(join(dir, 'agent.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(
    join(dir, 'agent.json'),
    JSON.stringify({ ...agent, network: { allow: [`${API_HOST}:443`, `${TOKEN_HOST}:443`, `${fake.address}:${fake.port}`] } }),
  );
  const dockerfile = await readFile(join(dir, 'Dockerfile'), 'utf8');
  await writeFile(
    join(dir, 'Dockerfile'),
    [
      dockerfile.trimEnd(),
      `COPY --from=${TEST_NODE_BASE_IMAGE} /usr/bin/node /usr/bin/node`,
      `COPY --from=${TEST_NODE_BASE_IMAGE} /lib /lib`,
      `COPY --from=${TEST_NODE_BASE_IMAGE} /lib64 /lib64`,
      'COPY signed-request.mjs /usr/bin/signed-request.mjs',
      '',
    ].join('\n'),
  );
});

async function startClaude(): Promise<string> {
  const started = await runCli(['start', 'claude', '--cwd', env.project(), '--copy', '--detach', '--json'], {}, 240_000);
  expect(started.code, started.stderr).toBe(0);
  return (JSON.parse(started.stdout) as BottleView).identity;
}

/** signed-request.mjs in the bottle, as the agent's user under with-bottle-secrets: "STATUS BODY". */
async function requestFrom(identity: string, url: string, kind: string, insecure = false): Promise<string> {
  const container = await bottleContainer(identity);
  const user = (await container.inspect()).Config.User || undefined;
  const command = [
    '/opt/claude-bottle/bin/with-bottle-secrets',
    'node',
    '/usr/bin/signed-request.mjs',
    url,
    kind,
    ...(insecure ? ['--insecure'] : []),
  ];
  return (await execIn(container, command, user)).output.trim();
}

describe.skipIf(skipWithoutDocker)('credentials stay home, through the real gateway (issue 20)', () => {
  it('signs the placeholder on the credential host only: upstream gets the real token, another allowed host the placeholder, and the gateway keeps the value out of its log and inspect', async () => {
    await storeLogin(8 * 3_600_000);
    const set = await runCli(['credentials', 'set', 'ANTHROPIC_API_KEY'], {}, 30_000, `${REAL_KEY}\n`);
    expect(set.code, set.stderr).toBe(0);
    const identity = await startClaude();

    expect(await requestFrom(identity, `https://${API_HOST}/v1/messages`, 'oauth')).toMatch(/^200 /);
    expect(fake.seen.at(-1)).toMatchObject({ host: API_HOST, path: '/v1/messages', authorization: `Bearer ${fake.login.access}` });
    expect(await requestFrom(identity, `https://${API_HOST}/v1/messages`, 'api-key')).toMatch(/^200 /);
    expect(fake.seen.at(-1)).toMatchObject({ host: API_HOST, apiKey: REAL_KEY });

    // The same agent, the same placeholders, to another allowed host: a plain tunnel, sent as they are.
    const other = `https://${fake.address}:${fake.port}/v1/messages`;
    expect(await requestFrom(identity, other, 'oauth', true)).toMatch(/^200 /);
    expect(fake.seen.at(-1)?.authorization).toMatch(/^Bearer sk-ant-oat01-claude-bottle-placeholder-[0-9a-f]{16}$/);
    expect(await requestFrom(identity, other, 'api-key', true)).toMatch(/^200 /);
    expect(fake.seen.at(-1)?.apiKey).toMatch(/^sk-ant-api03-claude-bottle-placeholder-[0-9a-f]{16}$/);

    const gateway = docker.getContainer(gatewayContainerName(instanceId()));
    const gatewayInspect = JSON.stringify(await gateway.inspect());
    const gatewayLog = (await gateway.logs({ stdout: true, stderr: true })).toString('utf8');
    const status = await runCli(['credentials', 'status', '--json']);
    const log = await runCli(['net', identity, '--log', '--json']);
    for (const secret of [fake.login.access, fake.login.refresh, REAL_KEY]) {
      expect(gatewayInspect.includes(secret), 'docker inspect of the gateway').toBe(false);
      expect(gatewayLog.includes(secret), 'the gateway log').toBe(false);
      expect(status.stdout.includes(secret), 'credentials status').toBe(false);
      expect(log.stdout.includes(secret), 'the network log').toBe(false);
    }

    // Signed out: the running bottle's next request is no longer signed (its placeholder leaves as it is).
    expect((await runCli(['credentials', 'forget'])).code).toBe(0);
    await eventually(
      async () => {
        // A plain tunnel now (to the upstream override: the fake's own certificate, which only --insecure takes).
        expect(await requestFrom(identity, `https://${API_HOST}/v1/messages`, 'oauth', true)).toMatch(/^200 /);
        expect(fake.seen.at(-1)?.authorization).toMatch(/^Bearer sk-ant-oat01-claude-bottle-placeholder-/);
      },
      20_000,
      500,
    );
  });

  it('refreshes an expiring login at home and saves the rotated refresh token; the running bottle is signed with the new token, unrestarted', async () => {
    await storeLogin(60_000);
    const core = createCore({ deps: createCoreDeps(), live: true });
    try {
      const identity = (await core.bottles.start({ agent: 'claude', cwd: env.project(), copy: true })).identity;
      const started = (await bottleContainer(identity)).id;
      await eventually(async () => expect(fake.login.refreshes).toBe(1), 90_000, 500);
      await eventually(async () => expect((await storedLogin()).refreshToken).toBe(fake.login.refresh));
      const stored = await storedLogin();
      expect(stored.accessToken).toBe(fake.login.access);
      expect(stored.expiresAt).toBeGreaterThan(Date.now() + 3_600_000);
      await eventually(
        async () => {
          expect(await requestFrom(identity, `https://${API_HOST}/v1/messages`, 'oauth')).toMatch(/^200 /);
          expect(fake.seen.at(-1)?.authorization).toBe(`Bearer ${fake.login.access}`);
        },
        30_000,
        500,
      );
      expect((await bottleContainer(identity)).id).toBe(started);
      // The recorder's log marks the signed connections, and only those.
      await eventually(async () => {
        const entries = await core.network.log(identity, 100);
        expect(entries.some((entry) => entry.host === API_HOST && entry.signed === true)).toBe(true);
      });
    } finally {
      await core.close();
    }
  });

  it("answers the bottle's own refresh with placeholders (the service never sees it) and refreshes the real login at home instead", async () => {
    await storeLogin(8 * 3_600_000);
    // Older than the forced refresh's minimum age: a bottle's request may spend it.
    const file = join(credentialsRoot(), 'claude', 'files', '.credentials.json');
    const old = new Date(Date.now() - 3_600_000);
    await utimes(file, old, old);
    const core = createCore({ deps: createCoreDeps(), live: true });
    try {
      const identity = (await core.bottles.start({ agent: 'claude', cwd: env.project(), copy: true })).identity;
      const answer = await requestFrom(identity, `https://${TOKEN_HOST}/v1/oauth/token`, 'refresh');
      expect(answer).toMatch(/^200 /);
      const tokens = JSON.parse(answer.slice(4)) as { access_token: string; refresh_token: string; expires_in: number };
      expect(tokens.access_token).toMatch(/^sk-ant-oat01-claude-bottle-placeholder-/);
      expect(tokens.refresh_token).toMatch(/^sk-ant-ort01-claude-bottle-placeholder-/);
      expect(tokens.expires_in).toBeGreaterThan(86_400);
      await eventually(async () => expect(fake.login.refreshes).toBe(1), 30_000, 250);
      // The only token request the service saw is the home refresh's, with the real refresh token.
      expect(fake.seen.filter((seen) => seen.path === '/v1/oauth/token')).toHaveLength(1);
      await eventually(async () => expect((await storedLogin()).accessToken).toBe(fake.login.access));
    } finally {
      await core.close();
    }
  });

  it('shows a login that can no longer be refreshed as signed out, with the reason', async () => {
    await storeLogin(60_000);
    fake.login.revoked = true;
    const refused = await runCli(['credentials', 'status']);
    expect(refused.code).toBe(0);
    const start = await runCli(['start', 'claude', '--cwd', env.project(), '--copy', '--detach', '--json'], {}, 240_000);
    expect(start.stderr).toMatch(/signed out/i);
    const status = await runCli(['credentials', 'status']);
    expect(status.stdout).toMatch(/signed out: invalid_grant/i);
  });
});
