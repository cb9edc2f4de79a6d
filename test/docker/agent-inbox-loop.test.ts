import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { claudeBottleRoot } from '../../src/core/state/state-paths';
import type { BottleView } from '../../src/shared/bottle-view';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { HOOKS_STAND_IN_LOG, scriptSession, writeClaudeHooksStandIn } from '../helpers/claude-hooks-stand-in';
import { execAsAgent } from '../helpers/claude-stand-in';
import { bottleContainer, eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { useTempHostHome } from '../helpers/temp-home';
import { service } from '../helpers/test-service';

/*
 * Issue 21 end to end: the stand-in Claude Code fires the hooks merged into its bottle's
 * settings.json (our claude-bottle-hook, the real in-bottle side), and the real core is the host:
 * each question shows on the bottle's view, the operator's answers through the service reach the
 * waiting agent, a question answered in the terminal leaves the view, and the history records all.
 */

const env = useBottleTestEnv();
useTempHostHome();

beforeEach(async () => {
  await writeClaudeHooksStandIn(join(claudeBottleRoot(), 'agents'));
});

describe.skipIf(skipWithoutDocker)('one inbox: a hooked agent asks, the core answers', () => {
  it('shows each question on the view, passes allow-always and deny-with-message back, drops one answered in the terminal, and ends waiting with the last message', async () => {
    await scriptSession(env.project(), {
      permissions: ['npm test', 'rm -rf build', 'git push'],
      answerInTerminal: ['git push'],
      lastMessage: 'All 12 tests pass; build kept.',
      lastMessageInPayload: true,
    });
    const bottles = service(createCoreDeps());
    const { identity } = await bottles.start({ agent: 'claude', cwd: env.project(), copy: true });
    const asked = async (detail: string): Promise<BottleView> =>
      eventually(async () => {
        const view = await bottles.view(identity);
        expect(view?.permissionPending.map((question) => question.detail)).toEqual([detail]);
        return view as BottleView;
      }, 30_000);

    const first = await asked('npm test');
    expect(first.permissionPending[0]).toMatchObject({ tool: 'Bash', reason: 'Step 1: run npm test' });
    expect(first.agentStatus).toMatchObject({ state: 'permission', tool: 'Bash', detail: 'npm test' });
    await bottles.answerPermission(identity, first.permissionPending[0]?.id ?? '', 'always', '');

    const second = await asked('rm -rf build');
    await bottles.answerPermission(identity, second.permissionPending[0]?.id ?? '', 'deny', 'Keep the build folder');

    const third = await asked('git push');
    const thirdId = third.permissionPending[0]?.id ?? '';
    // Answered in Claude Code's own dialog: the hook withdraws it, and the view lets it go.
    await eventually(async () => expect((await bottles.view(identity))?.permissionPending).toEqual([]), 30_000);
    await expect(bottles.answerPermission(identity, thirdId, 'allow', '')).rejects.toThrow();

    const done = await eventually(async () => {
      const view = await bottles.view(identity);
      expect(view?.agentStatus?.state).toBe('waiting');
      return view as BottleView;
    }, 30_000);
    expect(done.agentStatus?.lastMessage).toBe('All 12 tests pass; build kept.');

    const container = await bottleContainer(identity);
    const log = (await execAsAgent(container, ['cat', HOOKS_STAND_IN_LOG])).output;
    expect(log).toContain('permission npm test: allow remember');
    expect(log).toContain('ran npm test');
    expect(log).toContain('permission rm -rf build: deny Keep the build folder');
    expect(log).not.toContain('ran rm -rf build');
    expect(log).toContain('permission git push: allow in the terminal');

    const decisions = (await bottles.history(identity)).map((entry) => `${entry.decision} ${entry.requestId}`);
    expect(decisions).toEqual(
      expect.arrayContaining([
        `allowed ${first.permissionPending[0]?.id ?? ''}`,
        `denied ${second.permissionPending[0]?.id ?? ''}`,
        `withdrawn ${thirdId}`,
      ]),
    );
  }, 180_000);
});
