import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCapabilityRequest } from '../../src/core/rebuild/request-schema';
import { runCapabilityBlock } from '../helpers/rebuild-fixtures';

let inbox = '';
beforeEach(async () => {
  inbox = await mkdtemp(join(tmpdir(), 'claude-bottle-inbox-'));
});
afterEach(async () => {
  await rm(inbox, { recursive: true, force: true });
});

async function onlyRequest(): Promise<Record<string, unknown>> {
  const names = await readdir(inbox);
  expect(names).toHaveLength(1);
  const name = names[0] as string;
  expect(name).toMatch(/^req-\d+-[0-9a-f]+\.json$/);
  const parsed = JSON.parse(await readFile(join(inbox, name), 'utf8')) as Record<string, unknown>;
  expect(`${String(parsed.id)}.json`).toBe(name);
  expect(parseCapabilityRequest(parsed).ok).toBe(true);
  return parsed;
}

describe('capability-block under busybox sh (busybox applets only)', () => {
  it('prints help and exits 0', async () => {
    const result = await runCapabilityBlock(inbox, ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--dockerfile FILE');
    expect(result.stdout).toContain('--run');
    expect(await readdir(inbox)).toEqual([]);
  });

  it('writes a --run request in the DESIGN §5 format and says what happens next', async () => {
    const result = await runCapabilityBlock(inbox, ['--reason', 'need jq', '--run', 'apk add jq', '--run', 'echo built > /opt/marker']);
    expect(result.code).toBe(0);
    const request = await onlyRequest();
    expect(Object.keys(request)).toEqual(['version', 'id', 'created_at', 'reason', 'run']);
    expect(request).toMatchObject({ version: 1, reason: 'need jq', run: ['apk add jq', 'echo built > /opt/marker'] });
    expect(String(request.created_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(result.stdout).toContain(`${String(request.id)}.response.json`);
    expect(result.stdout).toMatch(/approve/i);
    expect(result.stdout).toMatch(/resume/i);
  });

  it.each(['busybox', 'debian'] as const)(
    'JSON-escapes quotes, backslashes, control characters, newlines and UTF-8 exactly (%s)',
    async (shell) => {
      const nasty = 'a "quoted" \\ back\\\\slash\ttab\x01\x1f %s %d $HOME `x` é ✓\r\nsecond line\n';
      const dockerfile = join(inbox, '..', `Dockerfile-${Date.now()}`);
      await writeFile(dockerfile, `FROM base\n${nasty}\n\n`);
      try {
        expect((await runCapabilityBlock(inbox, ['--reason', nasty, '--dockerfile', dockerfile], shell)).code).toBe(0);
        const request = await onlyRequest();
        expect(request.reason).toBe(nasty);
        expect(request.dockerfile).toBe(`FROM base\n${nasty}\n\n`);
        expect(Object.keys(request)).toEqual(['version', 'id', 'created_at', 'reason', 'dockerfile']);
      } finally {
        await rm(dockerfile, { force: true });
      }
    },
  );

  it('escapes --run commands with quotes and backslashes', async () => {
    // (Not at the very end: a trailing backslash, even an escaped one, continues a Dockerfile line.)
    const command = `printf '%s\\n' "a\\"b" \\\\ end`;
    expect((await runCapabilityBlock(inbox, ['--reason=r', `--run=${command}`])).code).toBe(0);
    expect((await onlyRequest()).run).toEqual([command]);
  });

  it('leaves no temp file and gives two quick requests distinct ids', async () => {
    await runCapabilityBlock(inbox, ['--reason', 'one', '--run', 'true']);
    await runCapabilityBlock(inbox, ['--reason', 'two', '--run', 'true']);
    const names = await readdir(inbox);
    expect(names).toHaveLength(2);
    expect(names.some((name) => name.startsWith('.tmp-'))).toBe(false);
  });

  it.each([
    ['no reason', ['--run', 'true'], /--reason is required/],
    ['no proposal', ['--reason', 'r'], /--dockerfile FILE or at least one --run/],
    ['both forms', ['--reason', 'r', '--run', 'true', '--dockerfile', '/etc/hostname'], /either --dockerfile or --run/],
    ['a missing Dockerfile', ['--reason', 'r', '--dockerfile', '/nonexistent/Dockerfile'], /cannot read Dockerfile/],
    ['a multi-line --run', ['--reason', 'r', '--run', 'a\nb'], /one line/],
    ['a --run ending in a backslash', ['--reason', 'r', '--run', 'echo a \\  '], /must not end with a backslash/],
    ['an unknown flag', ['--reason', 'r', '--bogus'], /unknown argument/],
    ['a too long reason', ['--reason', 'x'.repeat(2001), '--run', 'true'], /too long/],
  ])('refuses %s with exit 2 and writes nothing', async (_name, args, message) => {
    const result = await runCapabilityBlock(inbox, args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(await readdir(inbox)).toEqual([]);
  });

  it('fails clearly when the inbox is missing', async () => {
    const result = await runCapabilityBlock(join(inbox, 'nope'), ['--reason', 'r', '--run', 'true']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/inbox .* missing or not writable/);
  });
});
