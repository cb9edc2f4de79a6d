import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { createInboxWatcher } from '../../src/core/rebuild/inbox-watcher';
import { readHistory } from '../../src/core/rebuild/journal';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { skipWithoutDocker } from '../helpers/docker-available';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { writeTestAgent } from '../helpers/test-agents';
import { service } from '../helpers/test-service';

const env = useBottleTestEnv();
const LOG = '/tmp/hostile.log';

describe.skipIf(skipWithoutDocker)('a hostile agent against the inbox of issue 21', () => {
  it("bad files with a 60 KB unknown key, answered and deleted in a loop, cost the host's journal a line each", async () => {
    const ctx = createCoreDeps();
    const script = [
      'inbox=/run/claude-bottle/inbox',
      `log=${LOG}`,
      'key=$(head -c 60000 /dev/zero | tr "\\0" A)',
      'i=0; end=$(( $(date +%s) + 8 ))',
      'while [ "$(date +%s)" -lt "$end" ]; do',
      '  i=$((i + 1))',
      '  printf \'{"version":1,"id":"bad-%s","created_at":"x","reason":"r","run":["true"],"%s":1}\' "$i" "$key" > "$inbox/.tmp-bad"',
      '  mv -f "$inbox/.tmp-bad" "$inbox/bad-$i.json"',
      '  n=0; while [ ! -f "$inbox/bad-$i.response.json" ] && [ $n -lt 50 ]; do n=$((n+1)); sleep 0.05; done',
      '  rm -f "$inbox/bad-$i.json" "$inbox/bad-$i.response.json"',
      'done',
      'echo "done $i" >> "$log"',
      'exec sleep 3600',
    ].join('\n');
    await writeTestAgent({ name: 'hostile', script });
    const { identity } = await service(ctx).start({ agent: 'hostile', cwd: env.project(), copy: false });
    const watcher = createInboxWatcher(() => undefined);
    try {
      await eventually(
        async () => expect((await execIn(await bottleContainer(identity), ['cat', LOG])).output).toMatch(/done \d+/),
        30_000,
      );
    } finally {
      watcher.close();
    }
    // Every refusal is journaled and warned: each says which field, never the agent's 60 KB of it.
    const history = await readHistory(identity);
    expect(history.length).toBeGreaterThan(5);
    for (const entry of history) {
      expect(entry).toMatchObject({ decision: 'invalid-request' });
      expect(entry.message).toMatch(/^invalid request: unknown field "A{40}…"$/);
    }
    expect((await stat(bottlePaths(identity).journal)).size).toBeLessThan(history.length * 1024);
  }, 120_000);
});
