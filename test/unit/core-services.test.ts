import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/shared/app-events';
import { agentDefinition } from '../../src/core/agents/agents';
import { ActivityConflictError, ActivityTracker } from '../../src/core/base/activity-tracker';
import { createCoreLog, redactSecrets } from '../../src/core/base/core-log';
import { Notices } from '../../src/core/base/notices';
import { logFilePath } from '../../src/core/state/state-paths';
import { useTempHome } from '../helpers/temp-home';
import { DEFAULT_AGENT_OPTIONS } from '../../src/core/agents/agent-options';

const home = useTempHome();

describe('the core log', () => {
  it('appends in order, rotates at its size, and never writes a secret', async () => {
    const log = createCoreLog(logFilePath(), 400);
    expect(log.path).toBe(join(home(), 'logs', 'claude-bottle.log'));
    log.write('error', 'resume failed: ANTHROPIC_API_KEY=sk-ant-api03-abcdefghijklmnop rejected');
    log.write('warning', 'header Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123 refused');
    log.write('info', 'CLAUDE_CODE_OAUTH_TOKEN=oat-secret-value\nsecond line');
    await log.flush();
    const text = await readFile(log.path, 'utf8');
    expect(text).not.toMatch(/sk-ant-api03-abc|abcdefghijklmnopqrstuvwxyz0123|oat-secret-value/);
    expect(text.trim().split('\n')).toHaveLength(3);
    expect(text).toContain('ANTHROPIC_API_KEY=[redacted]');
    expect((await stat(log.path)).mode & 0o777).toBe(0o600);
    for (let i = 0; i < 10; i += 1) log.write('info', `line ${i} ${'x'.repeat(60)}`);
    await log.flush();
    expect((await stat(log.path)).size).toBeLessThanOrEqual(400);
    expect(await readFile(`${log.path}.1`, 'utf8')).toContain('line');
    expect(redactSecrets('token abcdefghijklmnop1234')).toBe('token [redacted]');
    // A URL's login (a git remote's password or token), an @ in the password included; an @ after the host is no login.
    expect(redactSecrets('clone https://alice:pa@ss@git.example.com/x.git and ssh://ghp_abc@github.com/y')).toBe(
      'clone https://[redacted]@git.example.com/x.git and ssh://[redacted]@github.com/y',
    );
    expect(redactSecrets('see https://example.com/a@b, mail x@y.org')).toBe('see https://example.com/a@b, mail x@y.org');
  });

  it('keeps working when the log cannot be written', async () => {
    await writeFile(join(home(), 'logs'), 'a file where the folder should be');
    const log = createCoreLog(logFilePath());
    log.write('error', 'nowhere to go');
    await expect(log.flush()).resolves.toBeUndefined();
  });
});

describe('notices', () => {
  it('logs every problem, shows each once a minute, and at most five per burst', async () => {
    let now = 1_000_000;
    const shown: AppEvent[] = [];
    const log = createCoreLog(logFilePath());
    const notices = new Notices(
      log,
      (event) => shown.push(event),
      () => now,
    );
    notices.failure('Could not refresh bottle dev-abcde', new Error('engine went away\nstack'));
    notices.failure('Could not refresh bottle dev-abcde', new Error('engine went away'));
    expect(shown).toEqual([{ type: 'notice', level: 'error', message: 'Could not refresh bottle dev-abcde: engine went away' }]);
    for (let i = 0; i < 10; i += 1) notices.report('warning', `problem ${i}`);
    expect(shown).toHaveLength(5);
    now += 61_000;
    notices.failure('Could not refresh bottle dev-abcde', new Error('engine went away'));
    expect(shown).toHaveLength(6);
    notices.close();
    await log.flush();
    const lines = (await readFile(log.path, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(13);
  });
});

describe('activity tracker (progress and the in-process lock)', () => {
  it('refuses overlapping work, keeps a failure until the next run or a dismissal, and switches phase under one hold', async () => {
    const tracker = new ActivityTracker();
    const seen: (string | null)[] = [];
    tracker.subscribe((_identity, activity) =>
      seen.push(activity === null ? null : `${activity.kind}${activity.error === null ? '' : `!${activity.error}`}`),
    );
    let release = (): void => undefined;
    const running = tracker.run('dev-abcde', 'approving', () => new Promise<void>((resolve) => (release = resolve)));
    await expect(tracker.run('dev-abcde', 'stopping', async () => undefined)).rejects.toBeInstanceOf(ActivityConflictError);
    tracker.switchTo('dev-abcde', 'resuming');
    await expect(tracker.run('dev-abcde', 'removing', async () => undefined)).rejects.toThrow(/busy \(resuming\)/);
    release();
    await running;
    await expect(
      tracker.run('dev-abcde', 'resuming', async () => Promise.reject(new Error('image build failed: disk full\ndetail'))),
    ).rejects.toThrow();
    expect(tracker.get('dev-abcde')?.error).toBe('image build failed: disk full');
    expect(tracker.isBusy('dev-abcde')).toBe(false);
    tracker.dismiss('dev-abcde');
    expect(tracker.get('dev-abcde')).toBeNull();
    expect(seen).toEqual(['approving', 'resuming', null, 'resuming', 'resuming!image build failed: disk full', null]);
  });
});

describe('agent definitions', () => {
  it('hash their build context once, however many steps ask', async () => {
    const dir = home();
    await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
    const agent = agentDefinition({
      name: 'a',
      dir,
      source: 'user',
      config: {
        description: '',
        command: ['x'],
        resumeCommand: ['x'],
        forkCommand: ['x'],
        workdir: '/workspace',
        user: null,
        transcriptDir: null,
        env: [],
        ...DEFAULT_AGENT_OPTIONS,
      },
    });
    const first = agent.contextHash();
    expect(agent.contextHash()).toBe(first);
    expect(await first).toMatch(/^[0-9a-f]{64}$/);
  });
});
