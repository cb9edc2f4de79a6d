import { describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import type { TimelineEvent } from '../../src/shared/timeline';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { skipWithoutDocker } from '../helpers/docker-available';
import { eventually } from '../helpers/docker-exec';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

const env = useBottleTestEnv();

/** An agent that works a little past the early-exit minute, then fails by itself. */
const SCRIPT = ['sleep 62', 'echo "giving up"', 'exit 3'].join('\n');

describe.skipIf(skipWithoutDocker)('an exit after the first minute', () => {
  it('is on the timeline with its exit code, without being called an early exit', async () => {
    await writeTestAgent({ name: 'late', script: SCRIPT });
    const started = await runCli(['start', 'late', '--cwd', env.project(), '--copy', '--detach', '--json']);
    expect(started.code, started.stderr).toBe(0);
    const { identity } = JSON.parse(started.stdout) as BottleView;
    const exits = await eventually(async () => {
      // Each listing looks at exited containers: the first one after the exit records it.
      const listed = await runCli(['ls', '--json']);
      expect(listed.code, listed.stderr).toBe(0);
      const timeline = await runCli(['timeline', identity, '--json']);
      const events = (JSON.parse(timeline.stdout) as TimelineEvent[]).filter((event) => event.kind === 'exit');
      if (events.length === 0) throw new Error('no exit on the timeline yet');
      return events;
    }, 120_000);
    expect(exits).toHaveLength(1);
    expect(exits[0]).toMatchObject({ kind: 'exit', by: 'agent', code: 3 });
    const shown = await runCli(['show', identity, '--json']);
    expect((JSON.parse(shown.stdout) as { earlyExit: unknown }).earlyExit).toBeNull();
    // Another look records nothing twice.
    await runCli(['ls', '--json']);
    const again = JSON.parse((await runCli(['timeline', identity, '--json'])).stdout) as TimelineEvent[];
    expect(again.filter((event) => event.kind === 'exit')).toHaveLength(1);
  }, 180_000);
});
