import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { settingsPath } from '../../src/core/state/state-paths';
import { TEST_NODE_BASE_IMAGE } from './node-base-image';

/**
 * What every test state root's settings.json holds (issue 19): the gateway is on by default and its
 * image is built FROM `gatewayBaseImage`, which would be pulled from a registry; tests have none, so
 * the base is the local node image global setup builds (node-base-image.ts). The gateway stays on:
 * a test that passes only with it off tests a product nobody runs.
 */
export const TEST_SETTINGS: Readonly<Record<string, unknown>> = { gatewayBaseImage: TEST_NODE_BASE_IMAGE };

/** Writes `<root>/settings.json` (CLAUDE_BOTTLE_HOME's unless `path` names another): the test base, plus what the test adds. */
export async function writeTestSettings(extra: Record<string, unknown> = {}, path: string = settingsPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify({ ...TEST_SETTINGS, ...extra })}\n`);
}
