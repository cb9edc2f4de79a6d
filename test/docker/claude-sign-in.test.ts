import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { inspectBottle } from '../../src/core/bottles/bottle-inspect';
import { placeholderFor } from '../../src/core/credentials/credential-placeholders';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { claudeBottleRoot } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { execAsAgent, md5, STAND_IN_LOG, testToken, writeClaudeStandIn } from '../helpers/claude-stand-in';
import { bottleContainer, eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { useTempHostHome } from '../helpers/temp-home';

const env = useBottleTestEnv();
useTempHostHome();

beforeEach(async () => {
  await writeClaudeStandIn(join(claudeBottleRoot(), 'agents'));
});

/** Files under `dir` (CLAUDE_BOTTLE_HOME, its credential store left out) that contain `text`. */
function grepOutsideStore(dir: string, text: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('grep', ['-r', '-l', '--exclude-dir=credentials', text, dir], (_error, stdout) => resolve(stdout));
  });
}

async function logOf(identity: string): Promise<string> {
  return (await execAsAgent(await bottleContainer(identity), ['cat', STAND_IN_LOG])).output;
}

describe.skipIf(skipWithoutDocker)('secrets of a stand-in Claude Code on a real engine', () => {
  it('a stored token reaches the agent as a placeholder; a key from the launching shell as itself, in a file: never in docker inspect', async () => {
    const oauth = testToken('setup-token');
    const apiKey = testToken('api03');
    // Stored with `credentials set` (piped in, never an argument), the key from the launching shell.
    const set = await runCli(['credentials', 'set', 'CLAUDE_CODE_OAUTH_TOKEN'], {}, 60_000, `${oauth}\n`);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout + set.stderr).not.toContain(oauth);
    const started = await runCli(['start', 'claude', '--cwd', env.project(), '--copy', '--detach', '--json'], {
      ANTHROPIC_API_KEY: apiKey,
    });
    expect(started.code, started.stderr).toBe(0);
    const { identity } = JSON.parse(started.stdout) as { identity: string };
    // The stored token is signed by the gateway (issue 20): the bottle has its placeholder. The key
    // came from the launching shell only, so no table can sign with it: it is held in the bottle.
    await eventually(async () =>
      expect(await logOf(identity)).toContain(`oauth=${md5(placeholderFor('claude', 'oauth'))} apikey=${md5(apiKey)}`),
    );
    const inspected = await (await bottleContainer(identity)).inspect();
    expect(JSON.stringify(inspected)).not.toContain(oauth);
    expect(JSON.stringify(inspected)).not.toContain(apiKey);
    expect(inspected.Config.Cmd).toEqual(['/opt/claude-bottle/bin/with-bottle-secrets', 'claude']);
    expect(await grepOutsideStore(env.home(), oauth)).toBe('');
    expect(await grepOutsideStore(env.home(), apiKey)).toBe('');
    // Inspect says which: the stored token is signed, the shell's key held in this bottle.
    const secrets = (await inspectBottle(createCoreDeps(), identity)).secrets;
    expect(secrets.find((secret) => secret.name === 'ANTHROPIC_API_KEY')?.place).toBe('bottle-from-environment');
    expect(secrets.find((secret) => secret.name === 'CLAUDE_CODE_OAUTH_TOKEN')?.place).toBe('gateway');
    expect(inspected.Config.Labels['claude-bottle.secrets-from-environment']).toBe('ANTHROPIC_API_KEY');
    // The key was only in the launching shell: it is not stored.
    expect(
      await readFile(join(claudeBottleRoot(), 'credentials', 'claude', 'env', 'ANTHROPIC_API_KEY'), 'utf8').catch(() => null),
    ).toBeNull();
  });
});
