import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TEST_BASE_IMAGE } from './busybox-image';
import { STAND_IN_CONFIG_DIR, writeClaudeStandIn } from './claude-stand-in';
import { ensureTestNodeBaseImage, sharedLibraries, TEST_NODE_BASE_IMAGE } from './node-base-image';
import { rawDocker } from './raw-docker';

/*
 * The Claude Code stand-in of issue 21: the shipped agent's declaration (claude-stand-in.ts) with
 * `reportHooks`, on the busybox base plus this host's node (its binary and the libraries the
 * node base image carries, node-base-image.ts), running claude-hooks-stand-in.mjs, which fires the
 * hooks of the bottle's settings.json with Claude Code's payloads.
 */

const STAND_IN = join(import.meta.dirname, '..', 'fixtures', 'claude-hooks-stand-in.mjs');
export const HOOKS_STAND_IN_LOG = `${STAND_IN_CONFIG_DIR}/hooks-stand-in.log`;

/** The stand-in session the project folder scripts (see claude-hooks-stand-in.mjs). */
export interface StandInSession {
  permissions?: string[];
  /** Of those, the ones answered in Claude Code's own dialog while the hook still waits. */
  answerInTerminal?: string[];
  lastMessage?: string;
  lastMessageInPayload?: boolean;
}

/** Node on the busybox base: the node base image's binary and libraries, at their own paths. */
export function nodeOnBusyboxLines(): string[] {
  const paths = ['/usr/bin/node', ...sharedLibraries(process.execPath)];
  return [
    `FROM ${TEST_NODE_BASE_IMAGE} AS node`,
    `FROM ${TEST_BASE_IMAGE}`,
    ...paths.map((path) => `COPY --from=node ${path} ${path}`),
    // Hook scripts start with #!/usr/bin/env node; busybox keeps its env in /bin.
    'RUN ln -s /bin/env /usr/bin/env',
  ];
}

/** Writes the agent `claude` under `agentsDir`, after making sure the node base image exists. */
export async function writeClaudeHooksStandIn(agentsDir: string): Promise<string> {
  await ensureTestNodeBaseImage(rawDocker());
  const dir = await writeClaudeStandIn(agentsDir);
  await copyFile(STAND_IN, join(dir, 'claude-hooks-stand-in.mjs'));
  await writeFile(join(dir, 'claude'), '#!/bin/sh\nexec node /opt/stand-in/claude.mjs "$@"\n', { mode: 0o755 });
  const dockerfile = [
    ...nodeOnBusyboxLines(),
    'COPY claude-hooks-stand-in.mjs /opt/stand-in/claude.mjs',
    'COPY claude /usr/bin/claude',
    `COPY CLAUDE.md ${STAND_IN_CONFIG_DIR}/CLAUDE.md`,
    `RUN chown -R 1000:1000 ${STAND_IN_CONFIG_DIR}`,
    `ENV CLAUDE_CONFIG_DIR=${STAND_IN_CONFIG_DIR}`,
    '',
  ];
  await writeFile(join(dir, 'Dockerfile'), dockerfile.join('\n'));
  const agent = JSON.parse(await readFile(join(dir, 'agent.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(dir, 'agent.json'), JSON.stringify({ ...agent, reportHooks: 'claude-code' }));
  return dir;
}

/** Scripts the stand-in's session through the project folder it starts in. */
export async function scriptSession(project: string, session: StandInSession): Promise<void> {
  await writeFile(join(project, 'stand-in-session.json'), JSON.stringify(session));
}
