import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import type { TimelineEvent } from '../../src/shared/timeline';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

/*
 * The timeline keeps one agent turn per change of its state (issue 24 item 4). Each CLI command is
 * a core of its own that reads the bottle's status file afresh: an agent whose one report stays in
 * its inbox must not get a new turn on the timeline every time the operator looks (`show`, `ls`),
 * nor can an agent that keeps rewriting the same report grow the timeline with it.
 */

const env = useBottleTestEnv();

const SCRIPT = [
  'inbox=/run/claude-bottle/inbox',
  'report() {',
  '  printf \'{"version":1,"state":"%s","message":"%s","at":"2026-12-04T10:00:00Z"}\' "$1" "$2" > "$inbox/.tmp-status"',
  '  mv -f "$inbox/.tmp-status" "$inbox/.agent-status"',
  '}',
  'report waiting "one report"',
  'touch /tmp/agent-done',
  // The same report, rewritten (a new file each time) until stopped.
  'while true; do sleep 0.2; report waiting "one report"; done',
].join('\n');

beforeEach(async () => {
  await writeTree(env.project(), { 'README.md': 'hello\n' });
  await writeTestAgent({ name: 'reporter', script: SCRIPT });
});

async function turns(identity: string): Promise<TimelineEvent[]> {
  const result = await runCli(['timeline', identity, '--json', '--kind', 'turn']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as TimelineEvent[];
}

describe.skipIf(skipWithoutDocker)('attack: agent turns on the timeline, one per change of state, on a real engine', () => {
  it('one report read by ten CLI commands, rewritten all along, is one turn', { timeout: 300_000 }, async () => {
    const started = await runCli(['start', 'reporter', '--cwd', env.project(), '--copy', '--detach', '--json']);
    expect(started.code, started.stderr).toBe(0);
    const { identity } = JSON.parse(started.stdout) as BottleView;
    await eventually(
      async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-done'])).exitCode).toBe(0),
      60_000,
    );
    await eventually(async () => {
      expect((await runCli(['show', identity])).code).toBe(0);
      expect(await turns(identity)).toHaveLength(1);
    }, 60_000);
    for (let look = 0; look < 5; look += 1) {
      expect((await runCli(['show', identity])).code).toBe(0);
      expect((await runCli(['ls'])).code).toBe(0);
    }
    const kept = await turns(identity);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ by: 'agent', state: 'waiting', lastMessage: 'one report' });
  });
});
