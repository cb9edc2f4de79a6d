import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/create-core';
import { findBottleContainer } from '../../src/core/engine/bottle-containers';
import { readHistory } from '../../src/core/rebuild/journal';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { TCP_CONTEXT, useEngineContexts } from '../helpers/engine-contexts';
import { REPORT_LOG, writeReportAgent } from '../helpers/report-agent';
import { cannotRunSecondEngineReason, secondEngineClient, secondEngineDocker } from '../helpers/second-engine';

/*
 * Issue 21 on a remote engine: the inbox is inside the container, brought home through the
 * engine's API. The agent's status file comes home with its permission questions, the operator's
 * answers go back in, and a question the agent deletes leaves the view.
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

describe.skipIf(skip)(`an agent's reports on a remote engine${cannot === null ? '' : ` (skipped: ${cannot})`}`, () => {
  it('brings the status and the questions home, and the answers back', async () => {
    await writeReportAgent('reporter');
    const core = createCore();
    try {
      const { identity } = await core.bottles.start({ agent: 'reporter', cwd: env.project(), copy: true, context: TCP_CONTEXT });
      const questions = async (): Promise<string[]> => ((await core.bottles.view(identity))?.permissionPending ?? []).map((q) => q.id);
      await eventually(async () => expect(await questions()).toEqual(['perm-1-aa']), 30_000);
      expect((await core.bottles.view(identity))?.agentStatus).toMatchObject({ state: 'working', tool: 'Bash', detail: 'npm test' });

      await core.bottles.answerPermission(identity, 'perm-1-aa', 'allow', '');
      await eventually(async () => expect(await questions()).toEqual(['perm-2-bb']), 30_000);
      await core.bottles.answerPermission(identity, 'perm-2-bb', 'deny', 'use the other folder');
      const container = await onSecond(identity);
      await eventually(async () => {
        const log = (await execIn(container, ['cat', REPORT_LOG])).output;
        expect(log).toContain('answer perm-1-aa: {"version":1,"id":"perm-1-aa","status":"approved","message":""}');
        expect(log).toContain('"status":"rejected","message":"use the other folder"');
      }, 30_000);

      await execIn(container, ['touch', '/workspace/g-withdraw']);
      await eventually(async () => expect(await questions()).toEqual(['perm-3-cc']), 30_000);
      await execIn(container, ['touch', '/workspace/g-delete']);
      await eventually(async () => expect(await questions()).toEqual([]), 30_000);
      expect((await readHistory(identity)).map((entry) => `${entry.requestId} ${entry.decision}`)).toEqual([
        'perm-1-aa allowed',
        'perm-2-bb denied',
        'perm-3-cc withdrawn',
      ]);
    } finally {
      await core.close();
    }
  }, 180_000);
});
