import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import { bottlePaths, claudeBottleRoot } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from '../helpers/test-agents';

const { home, project: projectDir, listMine } = useBottleTestEnv();
let project = '';
beforeEach(() => {
  project = projectDir();
});

async function stateFolders(): Promise<string[]> {
  return readdir(join(home(), 'state')).catch(() => []);
}

describe.skipIf(skipWithoutDocker)('claude-bottle CLI on a real engine', () => {
  it('start --detach --json, ls --json, stop, resume --detach', async () => {
    const started = await runCli(['start', 'scripted', '--cwd', project, '--net', 'locked', '--detach', '--json']);
    expect(started.stderr).not.toContain('claude-bottle:');
    expect(started.code).toBe(0);
    const view = JSON.parse(started.stdout) as BottleView;
    expect(view).toMatchObject({ agentName: 'scripted', cwd: project, copyCwd: false, status: 'running' });
    // The network mode chosen at launch, in the bottle's own network.json (issue 19).
    const networkFile = async (): Promise<unknown> => JSON.parse(await readFile(bottlePaths(view.identity).network, 'utf8'));
    expect(await networkFile()).toEqual({ version: 1, mode: 'locked', allow: [], deny: [] });

    expect((await runCli(['ls', '--json'])).code).toBe(0);
    const views = await listMine();
    expect(views.map((v) => [v.identity, v.status])).toEqual([[view.identity, 'running']]);
    expect(views[0]?.containerId).toMatch(/^[0-9a-f]{64}$/);

    const stopped = await runCli(['stop', view.identity]);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain(`claude-bottle resume ${view.identity}`);
    const afterStop = await listMine();
    expect(afterStop[0]?.status).toBe('ready-to-resume');

    const resumed = await runCli(['resume', view.identity, '--detach', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ identity: view.identity, status: 'running' });
    await eventually(async () => {
      const { output } = await execIn(await bottleContainer(view.identity), ['cat', `${TEST_TRANSCRIPT_DIR}/log.txt`]);
      expect(output).toMatch(/run 1 .*mode=start[\s\S]*run 2 .*mode=resume/);
    });
    expect(await networkFile()).toEqual({ version: 1, mode: 'locked', allow: [], deny: [] });

    const removed = await runCli(['rm', view.identity, '--force']);
    expect(removed.code).toBe(0);
    expect(await stateFolders()).toEqual([]);
    expect((JSON.parse((await runCli(['ls', '--json'])).stdout) as BottleView[]).map((v) => v.identity)).not.toContain(view.identity);
  });

  // Ten CLI processes at once on a 2-core machine, beside the suite's other files: the default minute is too tight.
  it('10 concurrent starts of one agent on one folder give 10 distinct running bottles', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => runCli(['start', 'scripted', '--cwd', project, '--detach', '--json'])),
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const identities = results.map((result) => (JSON.parse(result.stdout) as BottleView).identity);
    expect(new Set(identities).size).toBe(10);
    expect((await stateFolders()).sort()).toEqual([...identities].sort());
    const views = await listMine();
    expect(
      views
        .filter((v) => v.status === 'running')
        .map((v) => v.identity)
        .sort(),
    ).toEqual([...identities].sort());
  }, 180_000);

  it('lists and resumes a state folder written by hand in the Python CLI format', async () => {
    const identity = 'scripted-py4ab';
    await mkdir(join(home(), 'state', identity, 'transcript'), { recursive: true });
    // json.dump(asdict(meta), f, indent=2) — what the Python CLI writes.
    await writeFile(
      bottlePaths(identity).metadata,
      `{\n  "identity": "${identity}",\n  "agent_name": "scripted",\n  "cwd": "${project}",\n  "copy_cwd": false,\n  "started_at": "2026-05-25T12:00:00.123456+00:00"\n}`,
    );
    await writeFile(join(bottlePaths(identity).transcript, 'log.txt'), 'run 1 by the python cli\n');
    const views = await listMine();
    expect(views).toMatchObject([
      { identity, agentName: 'scripted', status: 'missing-container', startedAt: '2026-05-25T12:00:00.123456+00:00' },
    ]);

    const resumed = await runCli(['resume', identity, '--detach']);
    expect(resumed.code, resumed.stderr).toBe(0);
    await eventually(async () => {
      const { output } = await execIn(await bottleContainer(identity), ['cat', `${TEST_TRANSCRIPT_DIR}/log.txt`]);
      expect(output).toContain('run 1 by the python cli');
      expect(output).toContain('run 2 as');
    });
    const meta = JSON.parse(await readFile(bottlePaths(identity).metadata, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(meta)).toEqual(['identity', 'agent_name', 'cwd', 'copy_cwd', 'started_at']);
    expect(meta.started_at).not.toBe('2026-05-25T12:00:00.123456+00:00');
  });

  it('passes API keys through by name without writing them to the state folder, output, listing or docker inspect', async () => {
    const secret = `sk-ant-test-${Math.random().toString(36).slice(2)}`;
    await writeTestAgent({ name: 'keyed', env: ['ANTHROPIC_API_KEY', 'PLAIN_SETTING'] });
    const started = await runCli(['start', 'keyed', '--cwd', project, '--detach', '--json'], {
      ANTHROPIC_API_KEY: secret,
      PLAIN_SETTING: 'visible',
    });
    expect(started.code, started.stderr).toBe(0);
    const { identity } = JSON.parse(started.stdout) as BottleView;
    // The agent's own processes have it (it arrives as a file the wrapper exports)...
    const inside = await execIn(await bottleContainer(identity), [
      'sh',
      '-c',
      'for p in /proc/[0-9]*; do tr "\\0" "\\n" < $p/environ 2>/dev/null; done | grep "^ANTHROPIC_API_KEY=" | head -1',
    ]);
    expect(inside.output.trim()).toBe(`ANTHROPIC_API_KEY=${secret}`);
    // ...but the container's configuration does not; a plain variable still passes through as before.
    const inspected = await (await bottleContainer(identity)).inspect();
    expect(JSON.stringify(inspected)).not.toContain(secret);
    expect(inspected.Config.Env).toContain('PLAIN_SETTING=visible');
    const stopped = await runCli(['stop', identity]);
    const listed = await runCli(['ls', '--json']);
    const everything = [started.stdout, started.stderr, stopped.stdout, stopped.stderr, listed.stdout].join('\n');
    expect(everything).not.toContain(secret);
    const grep = await new Promise<string>((resolve) => {
      execFile('grep', ['-r', '-l', secret, home()], (_error, stdout) => resolve(stdout));
    });
    expect(grep).toBe('');
  });

  it('resume refuses a mount-mode bottle whose folder is gone', async () => {
    const identity = 'scripted-gone1';
    await mkdir(bottlePaths(identity).dir, { recursive: true });
    await writeFile(
      bottlePaths(identity).metadata,
      JSON.stringify({ identity, agent_name: 'scripted', cwd: join(project, 'nope'), copy_cwd: false, started_at: 't' }),
    );
    const result = await runCli(['resume', identity, '--detach']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^claude-bottle: project folder of scripted-gone1 does not exist: .*\n$/);
  });
});

describe('claude-bottle CLI bad input: one line, non-zero exit, nothing written', () => {
  async function expectRefused(args: string[], message: RegExp, env: NodeJS.ProcessEnv = {}): Promise<void> {
    const before = await stateFolders();
    const result = await runCli(args, env);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^claude-bottle: [^\n]+\n$/);
    expect(result.stderr).toMatch(message);
    expect(await stateFolders()).toEqual(before);
  }

  it('unknown agent', () => expectRefused(['start', 'no-such-agent', '--cwd', project, '--detach'], /unknown agent "no-such-agent"/));
  it('malformed agent.json', async () => {
    await writeFile(join(claudeBottleRoot(), 'agents', 'scripted', 'agent.json'), '{"command": "not-an-array"}');
    await expectRefused(['start', 'scripted', '--cwd', project, '--detach'], /agent\.json: field "command"/);
  });
  it('missing cwd', () =>
    expectRefused(['start', 'scripted', '--cwd', join(project, 'missing'), '--detach'], /project folder does not exist/));
  it('unknown identity', () => expectRefused(['resume', 'scripted-zzzzz'], /no bottle scripted-zzzzz \(no container, no state under /));
  it('invalid identity', () => expectRefused(['stop', '../etc'], /invalid bottle identity/));
  it('unknown network mode', () =>
    expectRefused(['start', 'scripted', '--cwd', project, '--net', 'wide', '--detach'], /--net "wide": expected one of ask, locked, open/));
  it('unknown command and flags', async () => {
    await expectRefused(['frobnicate'], /unknown command/);
    await expectRefused(['ls', '--bogus'], /unknown option --bogus \(usage: claude-bottle ls/);
  });
  it('Docker socket absent', () =>
    expectRefused(
      ['start', 'scripted', '--cwd', project, '--detach'],
      /Docker engine not reachable at unix:\/\/\/tmp\/claude-bottle-dead\.sock/,
      {
        DOCKER_HOST: 'unix:///tmp/claude-bottle-dead.sock',
      },
    ));
});
