import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { TEST_BASE_IMAGE } from './busybox-image';
import { execIn } from './docker-exec';

export const STAND_IN_CONFIG_DIR = '/home/agent/.claude';
export const STAND_IN_LOG = `${STAND_IN_CONFIG_DIR}/stand-in.log`;
/** What the image's own CLAUDE.md says (the shipped agent's tells Claude how to use capability-block). */
export const STAND_IN_MEMORY = 'Bottle memory: ask for missing tools with capability-block.';

/**
 * A busybox `claude` that behaves like Claude Code where the app relies on it:
 * - `claude login ACCOUNT TOKEN EXPIRES_MS` writes `.credentials.json` into $CLAUDE_CONFIG_DIR,
 *   as Claude Code's /login and its token refreshes do (a temp file, then a rename);
 * - `--dangerously-skip-permissions` as uid 0 is refused unless IS_SANDBOX=1;
 * - on start it prints (and appends to its log in the config folder) who it runs as, whether it is
 *   autonomous, which account it is signed in to, digests of the secret variables it got (never
 *   their values), what its config folder holds and its memory file; then it idles.
 * With `FAIL_ON_START` in the project folder it prints that file's text and exits 1 (an agent that
 * dies in its first minute).
 */
const SCRIPT = join(import.meta.dirname, '..', 'fixtures', 'claude-stand-in.sh');

export interface StandInOptions {
  name?: string;
  /** Leave out rootEnv, so autonomous as root is refused (as Claude Code does without IS_SANDBOX). */
  withoutRootEnv?: boolean;
  /** Leave out agent.json `credentials`: every secret then stays in the bottle (as before issue 20). */
  undeclared?: boolean;
}

/** The shipped agent's `credentials` for the secrets the stand-in reads. */
export const STAND_IN_CREDENTIALS = [
  { file: '.credentials.json', hosts: ['api.anthropic.com:443'], header: 'authorization' },
  { env: 'CLAUDE_CODE_OAUTH_TOKEN', hosts: ['api.anthropic.com:443'], header: 'authorization' },
  { env: 'ANTHROPIC_API_KEY', hosts: ['api.anthropic.com:443'], header: 'x-api-key' },
];

/** The stand-in agent folder under `agentsDir/<name>` (default `claude`), declared like the shipped one. */
export async function writeClaudeStandIn(agentsDir: string, options: StandInOptions = {}): Promise<string> {
  const dir = join(agentsDir, options.name ?? 'claude');
  await mkdir(dir, { recursive: true });
  await copyFile(SCRIPT, join(dir, 'claude'));
  await chmod(join(dir, 'claude'), 0o755);
  await writeFile(join(dir, 'CLAUDE.md'), `${STAND_IN_MEMORY}\n`);
  await writeFile(
    join(dir, 'Dockerfile'),
    [
      `FROM ${TEST_BASE_IMAGE}`,
      'COPY claude /usr/bin/claude',
      `COPY CLAUDE.md ${STAND_IN_CONFIG_DIR}/CLAUDE.md`,
      `RUN chown -R 1000:1000 ${STAND_IN_CONFIG_DIR}`,
      `ENV CLAUDE_CONFIG_DIR=${STAND_IN_CONFIG_DIR}`,
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'agent.json'),
    JSON.stringify({
      description: 'Claude Code stand-in',
      command: ['claude'],
      resumeCommand: ['claude', '--continue'],
      workdir: '/workspace',
      user: 'agent',
      transcriptDir: STAND_IN_CONFIG_DIR,
      secretFiles: ['.credentials.json'],
      secretEnv: ['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_API_KEY'],
      credentialSet: 'claude',
      // Declared as the shipped agent declares them (issue 20): the gateway signs with each.
      ...(options.undeclared === true ? {} : { credentials: STAND_IN_CREDENTIALS }),
      autonomousArgs: ['--dangerously-skip-permissions'],
      ...(options.withoutRootEnv === true ? {} : { rootEnv: { IS_SANDBOX: '1' } }),
      hostConfig: { from: '~/.claude', copy: ['settings.json', 'agents', 'commands', 'skills'], append: ['CLAUDE.md'] },
    }),
  );
  return dir;
}

/** Runs a command in the bottle as the agent's own run user (what a terminal in the bottle does). */
export async function execAsAgent(container: Docker.Container, cmd: string[]): Promise<{ output: string; exitCode: number }> {
  const user = (await container.inspect()).Config.User || undefined;
  return execIn(container, cmd, user);
}

/** `claude login` inside the bottle, as the operator typing /login would. */
export async function loginInside(container: Docker.Container, account: string, token: string, expiresAtMs: number): Promise<void> {
  const result = await execAsAgent(container, ['claude', 'login', account, token, String(expiresAtMs)]);
  if (result.exitCode !== 0) throw new Error(`login in the bottle failed: ${result.output}`);
}

/** The login file in the bottle, as the agent sees it. */
export async function loginFileIn(container: Docker.Container): Promise<string> {
  return (await execAsAgent(container, ['cat', `${STAND_IN_CONFIG_DIR}/.credentials.json`])).output;
}

/** A login file as the stand-in writes it, into a host folder (a snapshot an older version saved). */
export async function writeLoginFile(dir: string, account: string, token: string, expiresAtMs = Date.now() + 3600_000): Promise<void> {
  const login = {
    claudeAiOauth: { accessToken: token, refreshToken: `refresh-${token}`, expiresAt: expiresAtMs, subscriptionType: 'max', account },
  };
  await writeFile(join(dir, '.credentials.json'), `${JSON.stringify(login)}\n`, { mode: 0o600 });
}

/** The digest the stand-in prints for a secret variable's value. */
export function md5(value: string): string {
  return createHash('md5').update(value).digest('hex');
}

/**
 * A token-like string unique to one test, so a grep for it finds only what the test wrote; as long
 * as a real one at least, so `credentials set` takes it (credential-kinds.ts).
 */
export function testToken(label: string): string {
  return `sk-ant-oat01-${label}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`.padEnd(64, '0');
}
