import { describe, expect, it } from 'vitest';
import { TerminalFeeds } from '../../src/core/bottles/terminal-feeds';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { TEST_BASE_IMAGE } from '../helpers/busybox-image';
import { skipWithoutDocker } from '../helpers/docker-available';
import { eventually } from '../helpers/docker-exec';
import { useTempHome } from '../helpers/temp-home';

/*
 * Issue 18, item 7: the terminal feed read the engine's log back to seed a new terminal, and any
 * failure of that read was dropped in silence (the terminal just started empty). A container whose
 * log driver cannot be read back (here `none`) must now leave a line in the core log saying why the
 * earlier output is missing, while the terminal still attaches and shows what comes next.
 */

useTempHome();

describe.skipIf(skipWithoutDocker)('terminal feed: history it cannot read back is said, not dropped', () => {
  it('a container with no readable log: the feed attaches, and the log says the earlier output is missing', async () => {
    const ctx = createCoreDeps();
    const container = await ctx.docker.createContainer({
      Image: TEST_BASE_IMAGE,
      Cmd: ['sh', '-c', 'echo before-attach; while read line; do echo "got $line"; done'],
      Tty: true,
      OpenStdin: true,
      HostConfig: { LogConfig: { Type: 'none', Config: {} } },
    });
    const problems: string[] = [];
    const feeds = new TerminalFeeds(ctx, (identity, message) => problems.push(`${identity}: ${message}`));
    try {
      await container.start();
      const feed = await feeds.ensure('unit-abcde', container.id);
      expect(problems).toEqual([expect.stringMatching(/^unit-abcde: its earlier output could not be read back: .*log/)]);
      feed.write('hello\n');
      await eventually(async () => expect(feed.ring.text()).toContain('got hello'));
    } finally {
      feeds.closeAll();
      ctx.engines.close();
      await container.remove({ force: true });
    }
  }, 60_000);
});
