import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { bottlePaths, claudeBottleRoot } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { inboxNames } from '../helpers/bottle-tool-container';
import { HOOKS_STAND_IN_LOG, scriptSession, writeClaudeHooksStandIn } from '../helpers/claude-hooks-stand-in';
import { execAsAgent, STAND_IN_CONFIG_DIR } from '../helpers/claude-stand-in';
import { bottleContainer, eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { useTempHostHome } from '../helpers/temp-home';
import { service } from '../helpers/test-service';

/*
 * Issue 21's in-bottle side on a real engine: the stand-in Claude Code fires the hooks of the
 * bottle's settings.json (the operator's, with ours merged in at launch) with Claude Code's
 * payloads; the test plays the host, reading the inbox and writing the answers by hand.
 */

const env = useBottleTestEnv();
const hostHome = useTempHostHome();
const OPERATOR_HOOK = `echo operator-saw-a-tool >> ${STAND_IN_CONFIG_DIR}/operator-hook.log`;
const OPERATOR_SETTINGS = {
  model: 'opus',
  hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: OPERATOR_HOOK }] }] },
};

async function writeOperatorSettings(text: string): Promise<void> {
  await mkdir(join(hostHome(), '.claude'), { recursive: true });
  await writeFile(join(hostHome(), '.claude', 'settings.json'), text);
}

beforeEach(async () => {
  await writeClaudeHooksStandIn(join(claudeBottleRoot(), 'agents'));
});

async function inBottle(identity: string, command: string): Promise<string> {
  return (await execAsAgent(await bottleContainer(identity), ['sh', '-c', command])).output;
}

async function agentStatus(inbox: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(inbox, '.agent-status'), 'utf8')) as Record<string, unknown>;
}

/** The next permission question in the inbox (not one already answered), as the host's scan would find it. */
async function nextQuestion(inbox: string, answered: string[] = []): Promise<{ id: string; request: Record<string, unknown> }> {
  return eventually(async () => {
    const name = (await inboxNames(inbox)).find(
      (each) => /^perm-.*\.json$/.test(each) && !each.endsWith('.response.json') && !answered.includes(each.slice(0, -'.json'.length)),
    );
    if (name === undefined) throw new Error(`no question in ${(await inboxNames(inbox)).join(' ')}`);
    return {
      id: name.slice(0, -'.json'.length),
      request: JSON.parse(await readFile(join(inbox, name), 'utf8')) as Record<string, unknown>,
    };
  }, 30_000);
}

/** The host's answer, written as the host writes it (a temp name, then a rename). */
async function answer(inbox: string, id: string, fields: Record<string, unknown>): Promise<void> {
  await writeFile(join(inbox, `.tmp-${id}`), JSON.stringify({ version: 1, id, ...fields }), { mode: 0o644 });
  await rename(join(inbox, `.tmp-${id}`), join(inbox, `${id}.response.json`));
}

async function settingsIn(identity: string): Promise<{ model?: string; hooks: Record<string, { hooks: { command: string }[] }[]> }> {
  return JSON.parse(await inBottle(identity, `cat ${STAND_IN_CONFIG_DIR}/settings.json`)) as {
    hooks: Record<string, { hooks: { command: string }[] }[]>;
  };
}

describe.skipIf(skipWithoutDocker)('Claude Code hooks in a real bottle (the stand-in Claude Code)', () => {
  it("reports each step, brings its permission questions to the inbox and takes the answers; the operator's hooks run too, ours are added once across a resume", async () => {
    await writeOperatorSettings(JSON.stringify(OPERATOR_SETTINGS));
    await scriptSession(env.project(), {
      permissions: ['npm test', 'rm -rf build', 'git push'],
      answerInTerminal: ['git push'],
      lastMessage: 'All 12 tests pass; build kept.',
      lastMessageInPayload: false,
    });
    const ctx = createCoreDeps();
    const { identity } = await service(ctx).start({ agent: 'claude', cwd: env.project(), copy: true });
    const inbox = bottlePaths(identity).inbox;

    const first = await nextQuestion(inbox);
    expect(first.request).toMatchObject({
      version: 1,
      kind: 'permission',
      tool: 'Bash',
      detail: 'npm test',
      reason: 'Step 1: run npm test',
    });
    expect(await agentStatus(inbox)).toMatchObject({ state: 'permission', tool: 'Bash', detail: 'npm test' });
    await answer(inbox, first.id, { status: 'approved', remember: true });

    const second = await nextQuestion(inbox, [first.id]);
    expect(second.request).toMatchObject({ tool: 'Bash', detail: 'rm -rf build' });
    await answer(inbox, second.id, { status: 'rejected', message: 'Keep the build folder' });

    // Answered in Claude Code's own dialog instead: the question leaves the inbox unanswered.
    const third = await nextQuestion(inbox, [first.id, second.id]);
    expect(third.request).toMatchObject({ tool: 'Bash', detail: 'git push' });
    await eventually(async () => expect(await inboxNames(inbox)).not.toContain(`${third.id}.json`), 30_000);
    expect(await inboxNames(inbox)).not.toContain(`${third.id}.response.json`);

    await eventually(async () => expect(await inBottle(identity, `cat ${HOOKS_STAND_IN_LOG}`)).toContain('idle'), 30_000);
    const log = await inBottle(identity, `cat ${HOOKS_STAND_IN_LOG}`);
    expect(log).toContain('permission npm test: allow remember [{"type":"addRules","rules":[{"toolName":"Bash","ruleContent":"npm test"}]');
    expect(log).toContain('ran npm test');
    expect(log).toContain('permission rm -rf build: deny Keep the build folder');
    expect(log).not.toContain('ran rm -rf build');
    expect(log).toContain('permission git push: allow in the terminal\nfired PostToolUse (1 hooks)\nran git push');
    expect(log).toContain("hooks after the terminal's answer: []");
    // The turn's end: waiting for the operator, with the last message (read from the transcript here).
    expect(await agentStatus(inbox)).toMatchObject({ version: 1, state: 'waiting', message: 'All 12 tests pass; build kept.' });
    expect(await inboxNames(inbox)).toEqual(['.agent-status']);
    // The operator's own hook ran before each Bash call, beside ours.
    expect(await inBottle(identity, `cat ${STAND_IN_CONFIG_DIR}/operator-hook.log`)).toBe('operator-saw-a-tool\n'.repeat(3));
    const settings = await settingsIn(identity);
    expect(settings.model).toBe('opus');
    expect(settings.hooks.PreToolUse?.[0]).toEqual(OPERATOR_SETTINGS.hooks.PreToolUse[0]);
    expect(settings.hooks.PreToolUse?.at(-1)?.hooks[0]?.command).toBe('/opt/claude-bottle/bin/claude-bottle-hook PreToolUse');

    await service(ctx).stop(identity);
    expect(await agentStatus(inbox)).toMatchObject({ state: 'exited', detail: 'other' });
    await service(ctx).resume(identity);
    await eventually(async () => expect(await agentStatus(inbox)).toMatchObject({ state: 'waiting' }), 30_000);
    const resumed = JSON.stringify(await settingsIn(identity));
    expect(resumed.split('claude-bottle-hook PreToolUse').length).toBe(2);
    expect(resumed.split('operator-saw-a-tool').length).toBe(2);
    // Start, two answers, stop and resume: a longer budget on a busy shared engine.
  }, 180_000);

  it("leaves an operator's settings.json that does not parse exactly as it is, saying so; the bottle still starts", async () => {
    const broken = '{"model": "opus", // my notes\n';
    await writeOperatorSettings(broken);
    const started = await runCli(['start', 'claude', '--cwd', env.project(), '--copy', '--detach'], { HOME: hostHome() });
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain('~/.claude/settings.json is not a JSON object: left as it is');
    const identity = /started (\S+)/.exec(started.stdout)?.[1] ?? '';
    await eventually(async () => expect(await inBottle(identity, `cat ${HOOKS_STAND_IN_LOG}`)).toContain('idle'), 30_000);
    expect(await inBottle(identity, `cat ${STAND_IN_CONFIG_DIR}/settings.json`)).toBe(broken);
    expect(await inboxNames(bottlePaths(identity).inbox)).toEqual([]);
  }, 120_000);
});
