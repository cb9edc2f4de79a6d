import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { createInboxWatcher } from '../../src/core/rebuild/inbox-watcher';
import { readHistory } from '../../src/core/rebuild/journal';
import { MAX_QUESTIONS_PER_MINUTE } from '../../src/core/rebuild/question-intake';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { skipWithoutDocker } from '../helpers/docker-available';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { writeTestAgent } from '../helpers/test-agents';
import { service } from '../helpers/test-service';

const env = useBottleTestEnv();
const LOG = '/tmp/hostile.log';

/*
 * An attack session measured it: an agent that asks permission questions with 2,000-character
 * reasons and withdraws each at once (it may: a withdrawn question is journaled, nothing more)
 * wrote 1.1 MB of the host's journal in 8 s, outside every disk budget. The host now takes in at
 * most MAX_QUESTIONS_PER_MINUTE questions a minute per bottle and keeps a bounded line of each.
 */
describe.skipIf(skipWithoutDocker)('a hostile agent asking and withdrawing permission questions in a loop', () => {
  it("costs the host's journal a bounded number of short lines", async () => {
    const ctx = createCoreDeps();
    const script = [
      'inbox=/run/claude-bottle/inbox',
      `log=${LOG}`,
      'reason=$(head -c 2000 /dev/zero | tr "\\0" R)',
      'i=0; end=$(( $(date +%s) + 8 ))',
      'while [ "$(date +%s)" -lt "$end" ]; do',
      '  i=$((i + 1)); id="perm-$i-00"',
      '  printf \'{"version":1,"id":"%s","created_at":"x","kind":"permission","tool":"Bash","detail":"q %s","reason":"%s"}\' "$id" "$i" "$reason" > "$inbox/.tmp-q"',
      '  mv -f "$inbox/.tmp-q" "$inbox/$id.json"',
      '  sleep 0.05',
      '  rm -f "$inbox/$id.json" "$inbox/$id.response.json"',
      'done',
      'echo "done $i" >> "$log"',
      'exec sleep 3600',
    ].join('\n');
    await writeTestAgent({ name: 'asker', script });
    const { identity } = await service(ctx).start({ agent: 'asker', cwd: env.project(), copy: false });
    const watcher = createInboxWatcher(() => undefined);
    let asked = 0;
    try {
      const done = await eventually(async () => {
        const output = (await execIn(await bottleContainer(identity), ['cat', LOG])).output;
        expect(output).toMatch(/done \d+/);
        return output;
      }, 30_000);
      asked = Number(/done (\d+)/.exec(done)?.[1]);
      // Let the last scans settle what the agent left.
      await service(ctx).view(identity);
    } finally {
      watcher.close();
    }
    const history = await readHistory(identity);
    const questions = history.filter((entry) => entry.requestId.startsWith('perm-') && entry.decision !== 'invalid-request');
    expect(asked).toBeGreaterThan(MAX_QUESTIONS_PER_MINUTE);
    expect(questions.length).toBeGreaterThan(0);
    expect(questions.length).toBeLessThanOrEqual(MAX_QUESTIONS_PER_MINUTE);
    for (const entry of questions) expect(entry.reason.length).toBeLessThanOrEqual(201);
    // Every question over the rate was answered "too many" and journaled once per scan, not per question's text.
    expect((await stat(bottlePaths(identity).journal)).size).toBeLessThan(64 * 1024);
  }, 120_000);
});
