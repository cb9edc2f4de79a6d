import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CoreDeps } from '../../src/core/deps/core-deps';
import { bottlePaths } from '../../src/core/state/state-paths';
import { TEST_BASE_IMAGE } from './busybox-image';
import { bottleContainer, execIn } from './docker-exec';
import { requestJson } from './rebuild-fixtures';
import { writeTestAgent } from './test-agents';
import { service } from './test-service';

/**
 * An agent with no `user` in agent.json: its image's own user (`agent`, uid 1000) runs it, so the
 * image's configured user is exactly what a proposal puts at stake. Its Dockerfile as a bottle's
 * proposal starts from it.
 */
export const IMAGED_AGENT_DOCKERFILE = `FROM ${TEST_BASE_IMAGE}\nCOPY agent.sh /usr/bin/agent.sh\nUSER agent\n`;

/** Starts a copy-mode bottle of that agent (mount mode would run it as the folder's owner). */
export async function startImagedBottle(ctx: CoreDeps, project: string): Promise<string> {
  await writeTestAgent({ name: 'imaged', user: null, dockerfileExtra: 'USER agent\n', script: 'exec sleep 3600' });
  return (await service(ctx).start({ agent: 'imaged', cwd: project, copy: true })).identity;
}

/** Writes a request into the bottle's inbox, as its agent would, and settles it. */
export async function askInInbox(ctx: CoreDeps, identity: string, id: string, fields: Record<string, unknown>): Promise<void> {
  await writeFile(join(bottlePaths(identity).inbox, `${id}.json`), requestJson(id, fields));
  await service(ctx).settleInbox(identity);
}

/** The uid the bottle's agent runs as now. */
export async function runsAs(identity: string): Promise<string> {
  return (await execIn(await bottleContainer(identity), ['id', '-u'])).output.trim();
}
