import type { PendingRequestView } from '../../src/shared/bottle-view';
import type { CoreDeps } from '../../src/core/deps/core-deps';
import { findBottleContainer } from '../../src/core/engine/bottle-containers';
import { processInbox, rebuildViewFields } from '../../src/core/rebuild';
import { bottleContainer, eventually, execIn } from './docker-exec';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from './test-agents';
import { service } from './test-service';

export const REBUILD_TRANSCRIPT = `${TEST_TRANSCRIPT_DIR}/log.txt`;

/**
 * A shell-script agent for the rebuild loop: on its first run it writes transcript lines, asks for
 * a capability with capability-block (found on PATH), waits for the answer and writes it to its
 * transcript; every run records whether /opt/marker exists and leaves a file in /workspace.
 * `run` must not contain single quotes.
 */
/**
 * `gate`: a file under /workspace the agent waits for before it asks, so a test can be sure that
 * nothing (not even the start command's own last read) saw the request before the read it checks.
 */
export async function writeRebuildAgent(name: string, run = 'echo built > /opt/marker', options: { gate?: string } = {}): Promise<void> {
  const script = [
    `t=${REBUILD_TRANSCRIPT}`,
    // Like a real agent, it creates its own transcript folder on a first start.
    'mkdir -p "$(dirname "$t")"',
    'n=$(cat "$t" 2>/dev/null | grep -c "line A")',
    'run=$((n + 1))',
    'echo "run $run mode=$1 line A" >> "$t"',
    'echo "run $run mode=$1 line B" >> "$t"',
    '[ -f /opt/marker ] && echo "run $run marker: $(cat /opt/marker)" >> "$t"',
    'echo "file by run $run" > /workspace/agent-file-$run.txt',
    'if [ "$1" = start ]; then',
    ...(options.gate === undefined ? [] : [`  while [ ! -f /workspace/${options.gate} ]; do sleep 0.1; done`]),
    `  capability-block --reason "need a marker file" --run '${run}' > /tmp/cb.out 2>&1 || echo "capability-block failed" >> "$t"`,
    '  id=$(sed -n "s/^Request \\([^ ]*\\) sent.*/\\1/p" /tmp/cb.out)',
    '  echo "run $run asked $id" >> "$t"',
    '  while [ ! -f "/run/claude-bottle/inbox/$id.response.json" ]; do sleep 0.2; done',
    '  echo "run $run answer: $(cat "/run/claude-bottle/inbox/$id.response.json")" >> "$t"',
    'fi',
    'exec sleep 3600',
  ].join('\n');
  await writeTestAgent({ name, script });
}

export async function rebuildTranscriptOf(identity: string): Promise<string> {
  return (await execIn(await bottleContainer(identity), ['cat', REBUILD_TRANSCRIPT])).output;
}

export async function containerIdOf(ctx: CoreDeps, identity: string): Promise<string | null> {
  return (await findBottleContainer(ctx.docker, identity))?.Id ?? null;
}

/** Starts a bottle of the rebuild agent and waits until its capability-block request is pending. */
export async function startAndAwaitRequest(
  ctx: CoreDeps,
  options: { cwd: string; copy: boolean; run?: string },
): Promise<{ identity: string; pending: PendingRequestView }> {
  await writeRebuildAgent('rebuilder', options.run);
  const { identity } = await service(ctx).start({ agent: 'rebuilder', cwd: options.cwd, copy: options.copy });
  const summary = await eventually(async () => {
    await processInbox(identity);
    const view = await rebuildViewFields(identity);
    if (view.pendingRequest === null) throw new Error('no pending request yet');
    return view.pendingRequest;
  });
  // Views carry a summary; the operator reviews the request in full.
  return { identity, pending: await service(ctx).request(identity, summary.id) };
}
