import { chown, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { claudeBottleRoot } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import {
  execAsAgent,
  STAND_IN_CONFIG_DIR,
  STAND_IN_LOG,
  STAND_IN_MEMORY,
  testToken,
  writeClaudeStandIn,
  writeLoginFile,
} from '../helpers/claude-stand-in';
import { bottleContainer, eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { useTempHostHome } from '../helpers/temp-home';
import { service } from '../helpers/test-service';
import { writeTestSettings } from '../helpers/test-settings';

const env = useBottleTestEnv();
const hostHome = useTempHostHome();
const hostToken = testToken('host-login');

/** An operator's ~/.claude: their setup, and what must never leave it (login, history, other projects). */
async function writeHostClaude(home: string): Promise<string> {
  const dir = join(home, '.claude');
  for (const sub of ['agents', 'commands', 'skills/release', 'projects/-home-me-secret', 'todos'])
    await mkdir(join(dir, sub), { recursive: true });
  await writeFile(join(dir, 'CLAUDE.md'), 'Operator memory: answer in British English.\n');
  await writeFile(join(dir, 'settings.json'), '{"model": "opus", "permissions": {"allow": ["Bash(npm test)"]}}\n');
  await writeFile(join(dir, 'agents', 'reviewer.md'), 'A careful reviewer.\n');
  await writeFile(join(dir, 'commands', 'ship.md'), 'Ship it.\n');
  await writeFile(join(dir, 'skills', 'release', 'SKILL.md'), 'How we release.\n');
  await writeFile(join(dir, 'skills', 'release', 'run.sh'), '#!/bin/sh\necho release\n', { mode: 0o755 });
  await writeFile(join(dir, 'agents', 'huge.md'), Buffer.alloc(2 * 1024 * 1024, 'x'));
  await writeLoginFile(dir, 'operator', hostToken);
  await writeFile(join(dir, 'history.jsonl'), '{"display": "my private prompt"}\n');
  await writeFile(join(dir, 'projects', '-home-me-secret', 'session.jsonl'), '{"secret": "other project"}\n');
  await writeFile(join(dir, 'todos', 'todo.json'), '[]\n');
  // Links: one inside ~/.claude (followed), one out of it (never followed).
  await symlink(join(dir, 'commands', 'ship.md'), join(dir, 'commands', 'ship-again.md'));
  await mkdir(join(home, 'elsewhere'), { recursive: true });
  await writeFile(join(home, 'elsewhere', 'private.md'), 'outside ~/.claude\n');
  await symlink(join(home, 'elsewhere'), join(dir, 'skills', 'outside'));
  return dir;
}

beforeEach(async () => {
  await writeClaudeStandIn(join(claudeBottleRoot(), 'agents'));
  await writeHostClaude(hostHome());
});

async function inBottle(identity: string, command: string): Promise<string> {
  return (await execAsAgent(await bottleContainer(identity), ['sh', '-c', command])).output;
}

describe.skipIf(skipWithoutDocker)("the operator's Claude setup, copied into a new bottle on a real engine", () => {
  it('copies CLAUDE.md (appended to the bottle’s own), settings, agents, commands, skills; never the login, history, projects or todos', async () => {
    const ctx = createCoreDeps();
    await chown(env.project(), 1234, 1234);
    const started = await runCli(['start', 'claude', '--cwd', env.project(), '--detach'], { HOME: hostHome() });
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(
      /Copied your setup from ~\/\.claude: settings\.json, agents\/ \(1 file\), commands\/ \(2 files\), skills\/ \(2 files\), CLAUDE\.md/,
    );
    expect(started.stdout).toContain('Left out ~/.claude/agents/huge.md: larger than 1 MiB');
    expect(started.stdout).toContain('Left out ~/.claude/skills/outside: a link out of ~/.claude');
    const identity = /started (\S+)/.exec(started.stdout)?.[1] ?? '';
    await eventually(async () => expect(await inBottle(identity, `cat ${STAND_IN_LOG}`)).toContain('CLAUDE run'));

    const listing = await inBottle(identity, `cd ${STAND_IN_CONFIG_DIR} && find . | sort`);
    for (const present of [
      './CLAUDE.md',
      './settings.json',
      './agents/reviewer.md',
      './commands/ship.md',
      './commands/ship-again.md',
      './skills/release/SKILL.md',
      './skills/release/run.sh',
    ]) {
      expect(listing).toContain(present);
    }
    for (const absent of ['history.jsonl', 'projects', 'todos', 'huge.md', 'outside', 'private.md', '.credentials.json'])
      expect(listing).not.toContain(absent);
    expect(await inBottle(identity, `grep -r -l '${hostToken}' ${STAND_IN_CONFIG_DIR} || echo none`)).toBe('none\n');

    // The bottle's own memory stays first; the operator's follows.
    const memory = await inBottle(identity, `cat ${STAND_IN_CONFIG_DIR}/CLAUDE.md`);
    expect(memory.indexOf(STAND_IN_MEMORY)).toBe(0);
    expect(memory).toContain("# The operator's own CLAUDE.md (copied from ~/.claude/CLAUDE.md on their machine)");
    expect(memory).toContain('Operator memory: answer in British English.');
    // Owned by the agent's run user (the mounted folder's owner here), executables kept executable.
    expect(
      await inBottle(
        identity,
        `stat -c '%u %a' ${STAND_IN_CONFIG_DIR}/settings.json ${STAND_IN_CONFIG_DIR}/skills/release/run.sh ${STAND_IN_CONFIG_DIR}/agents`,
      ),
    ).toBe('1234 644\n1234 755\n1234 755\n');
    expect((await service(ctx).view(identity))?.status).toBe('running');

    // A copy, not a mount: changes on the host do not reach the bottle, and a resume does not copy again.
    await writeFile(join(hostHome(), '.claude', 'settings.json'), '{"model": "changed"}\n');
    await service(ctx).stop(identity);
    await service(ctx).resume(identity);
    await eventually(async () => expect(await inBottle(identity, `cat ${STAND_IN_LOG}`)).toContain('args=[--continue]'));
    expect(await inBottle(identity, `cat ${STAND_IN_CONFIG_DIR}/settings.json`)).toContain('opus');
    expect((await inBottle(identity, `cat ${STAND_IN_CONFIG_DIR}/CLAUDE.md`)).split('Operator memory').length).toBe(2);
    // Start, stop and resume: a longer budget on a busy shared engine.
  }, 180_000);

  it('is off with "copyHostConfig": false in settings.json; the bottle keeps its own memory', async () => {
    const ctx = createCoreDeps();
    await writeTestSettings({ copyHostConfig: false });
    const { identity } = await service(ctx).start({ agent: 'claude', cwd: env.project(), copy: true });
    await eventually(async () => expect(await inBottle(identity, `cat ${STAND_IN_LOG}`)).toContain('CLAUDE run'));
    expect(await inBottle(identity, `ls -A ${STAND_IN_CONFIG_DIR} | tr '\\n' ' '`)).toBe('CLAUDE.md stand-in.log ');
    expect(await inBottle(identity, `cat ${STAND_IN_CONFIG_DIR}/CLAUDE.md`)).toBe(`${STAND_IN_MEMORY}\n`);
  });
});
