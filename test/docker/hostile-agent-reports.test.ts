import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { createInboxWatcher } from '../../src/core/rebuild/inbox-watcher';
import { readHistory } from '../../src/core/rebuild/journal';
import { bottlePaths } from '../../src/core/state/state-paths';
import { MAX_PENDING_PERMISSIONS } from '../../src/shared/agent-reports';
import type { BottleView } from '../../src/shared/bottle-view';
import { announcements, bottleWaitingRequests } from '../../src/shared/waiting-requests';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { skipWithoutDocker } from '../helpers/docker-available';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from '../helpers/test-agents';
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

  it('links, FIFOs, __proto__, deep nesting, a planted answer and a question flood change nothing they should not', async () => {
    const ctx = createCoreDeps();
    await writeTestAgent({ name: 'idle', script: 'exec sleep 3600' });
    const { identity } = await service(ctx).start({ agent: 'idle', cwd: env.project(), copy: false });
    const container = await bottleContainer(identity);
    const sh = async (command: string): Promise<void> => {
      const { output, exitCode } = await execIn(container, ['sh', '-c', `cd /run/claude-bottle/inbox && ${command}`]);
      expect(exitCode, output).toBe(0);
    };
    const view = async (): Promise<BottleView> => (await service(ctx).view(identity)) as BottleView;
    const statusWarning = async (): Promise<string | undefined> =>
      (await view()).warnings.find((warning) => warning.file === '.agent-status')?.message;
    const good = '{"version":1,"state":"working","tool":"Bash","detail":"ok","at":"x"}';

    // A symlink to a good report elsewhere in the bottle: never followed.
    await sh(`printf '%s' '${good}' > /tmp/s && ln -s /tmp/s .agent-status`);
    await eventually(async () => expect(await statusWarning()).toBe('the status file is a symbolic link, not a regular file'));
    // A FIFO nobody writes: never opened, so no read blocks on it.
    await sh('rm .agent-status && mkfifo .agent-status');
    await eventually(async () => expect(await statusWarning()).toBe('the status file is a FIFO, not a regular file'));
    // __proto__ among the fields: refused as unknown, nothing polluted.
    await sh(`rm .agent-status && printf '%s' '{"version":1,"state":"working","at":"x","__proto__":{"polluted":1}}' > .agent-status`);
    await eventually(async () => expect(await statusWarning()).toBe('invalid status: unknown field "__proto__"'));
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    // Nesting four thousand deep, at the size cap: refused by type, the host unharmed.
    await sh(
      `rm .agent-status && { printf '{"version":1,"state":"working","at":"x","detail":'; i=0; while [ $i -lt 4000 ]; do printf '['; i=$((i+1)); done; i=0; while [ $i -lt 4000 ]; do printf ']'; i=$((i+1)); done; printf '}'; } > .agent-status`,
    );
    await eventually(async () => expect(await statusWarning()).toMatch(/^invalid status field "detail": /));
    expect((await view()).agentStatus).toBeNull();
    await sh(`printf '%s' '${good}' > .t && mv -f .t .agent-status`);
    await eventually(async () => expect((await view()).agentStatus).toMatchObject({ state: 'working', detail: 'ok' }));

    // An answer planted before its question: the host never takes the question in (the agent only
    // answered itself), and journals nothing in the operator's name.
    const question = (id: string): string =>
      `{"version":1,"id":"${id}","created_at":"x","kind":"permission","tool":"Bash","detail":"rm -rf /"}`;
    await sh(`printf '%s' '{"version":1,"id":"perm-0-x","status":"approved","message":""}' > perm-0-x.response.json`);
    await sh(`printf '%s' '${question('perm-0-x')}' > .t && mv .t perm-0-x.json`);
    // A flood past the cap: twenty held, the rest answered "too many waiting".
    const count = MAX_PENDING_PERMISSIONS + 5;
    await sh(
      `i=1; while [ $i -le ${count} ]; do printf '%s' "$(echo '${question('perm-1-ID')}' | sed "s/ID/$i/")" > .t && mv .t perm-1-$i.json; i=$((i+1)); done`,
    );
    const flooded = await eventually(async () => {
      const seen = await view();
      expect(seen.permissionPending).toHaveLength(MAX_PENDING_PERMISSIONS);
      return seen;
    });
    expect(flooded.permissionPending.map((each) => each.id)).not.toContain('perm-0-x');
    // Twenty questions at once raise one notification on the desktop and in the browser, not twenty.
    const notes = announcements(bottleWaitingRequests(flooded), () => '');
    expect(notes).toEqual([
      {
        identity,
        tag: `${identity} perm:perm-1-1`,
        title: `${identity} asks to run Bash: rm -rf / and ${MAX_PENDING_PERMISSIONS - 1} more`,
        body: 'Allow once, always for this kind, or deny with a message.',
      },
    ]);
    const refused = await execIn(container, ['sh', '-c', 'cat /run/claude-bottle/inbox/perm-1-*.response.json']);
    expect(refused.output.match(/too many waiting/g)).toHaveLength(5);
    const history = await readHistory(identity);
    expect(history.filter((entry) => entry.requestId === 'perm-0-x')).toEqual([]);
    expect(history.every((entry) => entry.by === 'claude-bottle')).toBe(true);
  }, 120_000);

  it('a settings.json nested 100,000 deep in its config folder leaves the bottle resumable, the file as it was, without our hooks', async () => {
    const ctx = createCoreDeps();
    // The agent writes its own Claude Code settings (200 KB, under the 1 MiB cap): a stop saves
    // them, and the resume merges our hooks into them.
    const script = [
      `mkdir -p ${TEST_TRANSCRIPT_DIR}`,
      `s=${TEST_TRANSCRIPT_DIR}/settings.json`,
      'if [ "$1" = start ]; then',
      "  { printf '{\"x\":'; i=0; while [ $i -lt 100000 ]; do printf '['; i=$((i+1)); done;",
      '    i=0; while [ $i -lt 100000 ]; do printf \']\'; i=$((i+1)); done; printf \'}\'; } > "$s.tmp" && mv "$s.tmp" "$s"',
      '  touch /tmp/written',
      'fi',
      'echo "run $1" >> /tmp/runs',
      'exec sleep 3600',
    ].join('\n');
    await writeTestAgent({ name: 'nester', script, extraConfig: { reportHooks: 'claude-code' } });
    const { identity } = await service(ctx).start({ agent: 'nester', cwd: env.project(), copy: false });
    await eventually(async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/written'])).exitCode).toBe(0), 60_000);
    await service(ctx).stop(identity);
    await service(ctx).resume(identity);
    await eventually(async () =>
      expect((await execIn(await bottleContainer(identity), ['cat', '/tmp/runs'])).output).toContain('run resume'),
    );
    const kept = await execIn(await bottleContainer(identity), ['sh', '-c', `wc -c < ${TEST_TRANSCRIPT_DIR}/settings.json`]);
    expect(Number(kept.output.trim())).toBe(200_006);
  }, 180_000);
});
