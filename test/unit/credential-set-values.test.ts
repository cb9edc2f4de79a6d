import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { secretValueProblem } from '../../src/core/credentials/credential-kinds';
import { readStoredEnv } from '../../src/core/credentials/credential-store';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { CredentialService } from '../../src/core/services/credential-service';
import { credentialsRoot } from '../../src/core/state/state-paths';
import { runCli } from '../helpers/run-cli';
import { useTempHome } from '../helpers/temp-home';

useTempHome();

const KEY = `sk-ant-api03-${'a1B2_c3-D4'.repeat(9)}AA`;
const TOKEN = `sk-ant-oat01-${'Zy9_x8-W7v'.repeat(9)}AA`;

describe('`credentials set` refuses a value that does not look like its kind', () => {
  it('takes real-shaped keys and tokens, and gives a one-line reason for anything else', () => {
    expect(secretValueProblem('ANTHROPIC_API_KEY', KEY)).toBeNull();
    expect(secretValueProblem('CLAUDE_CODE_OAUTH_TOKEN', TOKEN)).toBeNull();
    const refusals: [string, string, RegExp][] = [
      ['ANTHROPIC_API_KEY', '', /no value/],
      ['ANTHROPIC_API_KEY', TOKEN, /does not start with sk-ant-api/],
      ['CLAUDE_CODE_OAUTH_TOKEN', KEY, /does not start with sk-ant-oat/],
      ['ANTHROPIC_API_KEY', 'sk-ant-api03-short', /18 characters \(expected 40–300\)/],
      ['ANTHROPIC_API_KEY', `sk-ant-api03-${'a'.repeat(400)}`, /characters \(expected 40–300\)/],
      ['ANTHROPIC_API_KEY', `${KEY.slice(0, 50)}!${KEY.slice(50)}`, /characters other than/],
      ['ANTHROPIC_API_KEY', `${KEY} and some words`, /spaces or control characters/],
      ['CLAUDE_CODE_OAUTH_TOKEN', `${TOKEN}\u001b[2J`, /spaces or control characters/],
      ['ANTHROPIC_API_KEY', 'sk-ant-api03-claude-bottle-placeholder-0123456789abcdef', /placeholder/],
      ['CLAUDE_CODE_OAUTH_TOKEN', 'sk-ant-oat01-claude-bottle-placeholder-0123456789abcdef', /placeholder/],
      ['GITHUB_TOKEN', 'claude-bottle-placeholder-0123456789abcdef', /placeholder/],
      ['GITHUB_TOKEN', 'two words', /spaces/],
      ['GITHUB_TOKEN', 'x'.repeat(64 * 1024 + 1), /over 64 KiB/],
    ];
    for (const [name, value, reason] of refusals) {
      const problem = secretValueProblem(name, value);
      expect(problem, `${name}=${value.slice(0, 40)}`).toMatch(reason);
      expect(problem).not.toContain('\n');
      // The reason never repeats the value (it may be a real secret pasted in the wrong place).
      if (value.length > 20) expect(problem).not.toContain(value.slice(13, 40));
    }
    // Other agents' secrets: any single printable word.
    expect(secretValueProblem('GITHUB_TOKEN', 'ghp_anything')).toBeNull();
  });

  it('the service stores nothing it refuses, and stores a good value trimmed', async () => {
    const announced: string[] = [];
    const credentials = new CredentialService({ changed: (status) => announced.push(status.method ?? 'none') }, createCoreDeps());
    await expect(credentials.setSecret('ANTHROPIC_API_KEY', 'my password')).rejects.toThrow(
      'that does not look like a ANTHROPIC_API_KEY: it contains spaces or control characters; not stored',
    );
    await expect(credentials.setSecret('CLAUDE_CODE_OAUTH_TOKEN', KEY)).rejects.toThrow(/sk-ant-oat/);
    expect(await readdir(credentialsRoot()).catch(() => [])).toEqual([]);
    expect(announced).toEqual([]);
    expect((await credentials.setSecret('ANTHROPIC_API_KEY', `  ${KEY}\n`)).method).toBe('api-key');
    expect(await readStoredEnv('claude', 'ANTHROPIC_API_KEY')).toBe(KEY);
  });

  it('the CLI says why in one line, exits non-zero, and keeps what was stored', async () => {
    expect((await runCli(['credentials', 'set', 'CLAUDE_CODE_OAUTH_TOKEN'], {}, 60_000, `${TOKEN}\n`)).code).toBe(0);
    const refused = await runCli(
      ['credentials', 'set', 'CLAUDE_CODE_OAUTH_TOKEN'],
      {},
      60_000,
      'sk-ant-oat01-claude-bottle-placeholder-0123456789abcdef\n',
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^claude-bottle: that is a claude-bottle placeholder .*; not stored$/m);
    expect(await readStoredEnv('claude', 'CLAUDE_CODE_OAUTH_TOKEN')).toBe(TOKEN);
    expect(await readdir(join(credentialsRoot(), 'claude', 'env'))).toEqual(['CLAUDE_CODE_OAUTH_TOKEN']);
  });
});
