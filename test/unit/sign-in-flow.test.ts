import { mkdir, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadAgent } from '../../src/core/agents/agents';
import { BottleError } from '../../src/core/base/bottle-error';
import type { TerminalFeeds } from '../../src/core/bottles/terminal-feeds';
import { TerminalSessions } from '../../src/core/bottles/terminal-sessions';
import type { CoreDeps } from '../../src/core/deps/core-deps';
import type { AppEvent } from '../../src/shared/app-events';
import { isLeftover, LABEL_SIGN_IN_OWNER, signInGatewayPolicy, signInLabels } from '../../src/core/bottles/sign-in-labels';
import { loginProblem } from '../../src/core/credentials/sign-in-login';
import { decideNetwork } from '../../src/shared/network-policy';
import { claudeBottleRoot } from '../../src/core/state/state-paths';
import { useTempHome } from '../helpers/temp-home';

useTempHome();

async function agentWith(json: Record<string, unknown>): Promise<void> {
  const dir = join(claudeBottleRoot(), 'agents', 'signer');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
  await writeFile(
    join(dir, 'agent.json'),
    JSON.stringify({ command: ['x'], transcriptDir: '/home/a/.x', secretFiles: ['.credentials.json'], ...json }),
  );
}

describe('agent.json signIn (issue 20)', () => {
  it('the shipped claude agent signs in with `claude auth login`, reaching only its two sign-in hosts', async () => {
    expect((await loadAgent('claude')).config.signIn).toEqual({
      command: ['claude', 'auth', 'login'],
      hosts: ['platform.claude.com:443', 'api.anthropic.com:443'],
    });
  });

  it('is refused naming the field: a private host, no host, no command, no secretFiles', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ signIn: { command: ['login'], hosts: ['10.0.0.1:443'] } }, /field "signIn.hosts": rule 1: .*private/],
      [{ signIn: { command: ['login'], hosts: [] } }, /field "signIn.hosts": must name at least one host/],
      [{ signIn: { command: [], hosts: ['example.com:443'] } }, /field "signIn.command": must name a program/],
      [{ signIn: { command: ['login'], hosts: ['example.com:443'], extra: 1 } }, /field "signIn"/],
      [{ secretFiles: [], signIn: { command: ['login'], hosts: ['example.com:443'] } }, /field "signIn": needs secretFiles/],
    ];
    for (const [json, message] of cases) {
      await agentWith(json);
      await expect(loadAgent('signer')).rejects.toThrow(message);
    }
  });
});

describe('the sign-in network policy', () => {
  const labels = signInLabels('sign-in-0123456789ab', 'claude', ['platform.claude.com:443', 'api.anthropic.com:443']);

  it('allows exactly the signIn hosts, locked: every other destination is refused, never asked', () => {
    const found = signInGatewayPolicy('sign-in-0123456789ab', labels);
    expect(found?.agent).toBe('claude');
    const policy = found?.policy;
    expect(policy?.mode).toBe('locked');
    const verdict = (host: string, port: number): string =>
      decideNetwork({ mode: policy?.mode ?? 'open', rules: policy?.rules ?? [], target: { host, port } }).verdict;
    expect(verdict('platform.claude.com', 443)).toBe('allow');
    expect(verdict('api.anthropic.com', 443)).toBe('allow');
    expect(verdict('api.anthropic.com', 80)).toBe('deny');
    expect(verdict('claude.ai', 443)).toBe('deny');
    expect(verdict('evil.example', 443)).toBe('deny');
  });

  it('is none for a network without the sign-in label, and allows nothing when its hosts do not parse', () => {
    expect(signInGatewayPolicy('b-1', {})).toBeNull();
    const broken = signInGatewayPolicy('b-1', { ...labels, 'claude-bottle.sign-in-hosts': '10.0.0.1:443' });
    expect(broken?.policy).toMatchObject({ mode: 'locked', rules: [] });
  });

  it('a flow of a running process is no leftover; one whose process is gone is', () => {
    expect(isLeftover(labels)).toBe(false);
    const owner = labels[LABEL_SIGN_IN_OWNER] ?? '';
    expect(isLeftover({ ...labels, [LABEL_SIGN_IN_OWNER]: owner.replace(/:\d+$/, ':999999999') })).toBe(true);
    expect(isLeftover({ ...labels, [LABEL_SIGN_IN_OWNER]: 'another-machine:1' })).toBe(false);
    expect(isLeftover({})).toBe(true);
  });
});

describe('the login a sign-in wrote', () => {
  const login = (oauth: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify({ claudeAiOauth: oauth }));

  it('takes a Claude OAuth login with its tokens and expiry, and says what is missing otherwise', () => {
    expect(loginProblem('.credentials.json', login({ accessToken: 'a', refreshToken: 'r', expiresAt: 1 }))).toBeNull();
    expect(loginProblem('.credentials.json', login({ refreshToken: 'r', expiresAt: 1 }))).toMatch(/no access token/);
    expect(loginProblem('.credentials.json', login({ accessToken: 'a', expiresAt: 1 }))).toMatch(/no refresh token/);
    expect(loginProblem('.credentials.json', login({ accessToken: 'a', refreshToken: 'r' }))).toMatch(/expires/);
    expect(loginProblem('.credentials.json', Buffer.from('not json'))).toMatch(/no Claude login/);
    expect(loginProblem('.credentials.json', Buffer.alloc(0))).toMatch(/is empty/);
    expect(loginProblem('token.json', Buffer.from('anything'))).toBeNull();
  });
});

describe('a flow on a terminal (the UI side of the sign-in)', () => {
  const sessions = (events: AppEvent[]): TerminalSessions =>
    new TerminalSessions({} as CoreDeps, (event) => events.push(event), {} as TerminalFeeds);

  it('fails to open with the flow’s own error when it fails before its TTY is attached', async () => {
    const terminals = sessions([]);
    await expect(
      terminals.openFlow(
        async () => {
          throw new BottleError('unsupported', 'signing in needs the network gateway');
        },
        80,
        24,
      ),
    ).rejects.toThrow('signing in needs the network gateway');
    expect(terminals.size).toBe(0);
  });

  it('shows the TTY, takes input, shows the outcome last, then ends; closing it cancels the flow', async () => {
    const events: AppEvent[] = [];
    const terminals = sessions(events);
    const tty = new PassThrough();
    const typed: string[] = [];
    let cancelled = false;
    const { sessionId } = await terminals.openFlow(
      async (terminal, signal) => {
        signal.addEventListener('abort', () => {
          cancelled = true;
          tty.end();
        });
        const attached = terminal({ stream: tty, resize: async () => undefined, stateAfter: async () => 'exited' });
        tty.write('Paste code here > ');
        await attached;
        return cancelled ? 'cancelled' : 'Signed in';
      },
      80,
      24,
    );
    tty.on('data', (chunk: Buffer) => typed.push(chunk.toString()));
    await terminals.input(sessionId, 'code\r');
    expect(typed.join('')).toContain('code');
    await terminals.close(sessionId);
    expect(cancelled).toBe(true);
    expect(events.filter((event) => event.type === 'terminal-data').map((event) => (event as { data: string }).data)).toContain(
      'Paste code here > ',
    );
    expect(terminals.size).toBe(0);
  });

  it('when the flow ends on its own, its last line is the outcome, then the terminal ends', async () => {
    const events: AppEvent[] = [];
    const terminals = sessions(events);
    const tty = new PassThrough();
    const { sessionId } = await terminals.openFlow(
      async (terminal) => {
        const attached = terminal({ stream: tty, resize: async () => undefined, stateAfter: async () => 'exited' });
        tty.end('Login successful.\r\n');
        await attached;
        return 'Signed in: subscription (max). New bottles start signed in.';
      },
      80,
      24,
    );
    await vi.waitFor(() => expect(events.at(-1)).toEqual({ type: 'terminal-exit', sessionId }));
    expect(events.slice(-3, -1)).toEqual([
      { type: 'terminal-data', sessionId, data: 'Login successful.\r\n' },
      { type: 'terminal-data', sessionId, data: '\r\nSigned in: subscription (max). New bottles start signed in.\r\n' },
    ]);
  });
});
