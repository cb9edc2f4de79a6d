import type Docker from 'dockerode';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/create-core';
import { findBottleContainer } from '../../src/core/engine/bottle-containers';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { TCP_CONTEXT, useEngineContexts } from '../helpers/engine-contexts';
import { REBUILD_TRANSCRIPT, writeRebuildAgent } from '../helpers/rebuild-agent';
import { cannotRunSecondEngineReason, secondEngineClient, secondEngineDocker } from '../helpers/second-engine';

/*
 * Issue 17, hole 7: a remote bottle's answer went into its container as an empty folder (the
 * answer's content was handed to the folder helper, which has no content), so an agent on a remote
 * engine waiting for the operator's reject never got it. Here the rebuild agent on the second
 * engine asks with capability-block, the operator rejects with a message, and the agent must read
 * that message from a file in its inbox, as its own (non-root) user.
 */

const cannot = cannotRunSecondEngineReason();
const skip = skipWithoutDocker || (cannot !== null && process.env.CI !== 'true');

const env = useBottleTestEnv();
useEngineContexts();

async function onSecond(identity: string): Promise<Docker.Container> {
  const info = await findBottleContainer(secondEngineClient(), identity);
  if (info === null) throw new Error(`no container for ${identity} on the second engine`);
  return secondEngineDocker().getContainer(info.Id);
}

describe.skipIf(skip)(`a reject on a remote engine${cannot === null ? '' : ` (skipped: ${cannot})`}`, () => {
  it('reaches the agent as a file with the message, readable by the agent, not writable by it', async () => {
    await writeFile(join(env.project(), 'README.md'), 'hello from the host\n');
    await writeRebuildAgent('rebuilder');
    const core = createCore();
    try {
      const { identity } = await core.bottles.start({ agent: 'rebuilder', cwd: env.project(), copy: true, context: TCP_CONTEXT });
      const requestId = await eventually(async () => {
        const view = await core.bottles.view(identity);
        if (view?.pendingRequest == null) throw new Error('no pending request yet');
        return view.pendingRequest.id;
      }, 30_000);
      const message = `not now: marker ${Math.random().toString(36).slice(2)}`;
      await core.bottles.reject(identity, { requestId, message });

      const container = await onSecond(identity);
      const answer = `/run/claude-bottle/inbox/${requestId}.response.json`;
      // The agent's own loop (`while [ ! -f answer ]`) got past the wait and read the message.
      const transcript = await eventually(async () => {
        const text = (await execIn(container, ['cat', REBUILD_TRANSCRIPT])).output;
        if (!text.includes('run 1 answer:')) throw new Error(`no answer in the transcript yet:\n${text}`);
        return text;
      }, 30_000);
      expect(transcript).toContain(message);
      expect(transcript).toContain('"rejected"');

      // A regular file of root's, 0444: the agent reads it, and cannot rewrite the operator's word.
      expect((await execIn(container, ['stat', '-c', '%F %u:%g %a', answer])).output.trim()).toBe('regular file 0:0 444');
      const asAgent = await execIn(container, ['cat', answer], 'agent');
      expect(asAgent.exitCode).toBe(0);
      const response = JSON.parse(asAgent.output) as { id: string; status: string; message: string };
      expect(response).toMatchObject({ id: requestId, status: 'rejected' });
      expect(response.message).toContain(message);
      expect((await execIn(container, ['sh', '-c', `echo forged > ${answer}`], 'agent')).exitCode).not.toBe(0);
    } finally {
      await core.close();
    }
  });
});
