import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { writeScriptAgent } from './helpers/agents';
import { removeAgentImages } from './helpers/docker';
import { projectsDir } from './helpers/flows';
import { screenshotBothThemes } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';
import { openStartPanel } from './helpers/app-page';

const AGENT = 'baseless-agent';
/** Not on the engine, and not pullable: a registry this machine cannot reach has no such name either. */
const BASE = `claude-bottle-no-such-base-${process.pid}:latest`;

let home = '';
let serve: ServeProcess;

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-baseless-');
  await writeScriptAgent(home, AGENT, 'exec sh -i\n', 'built on a base image that is not here');
  // Issue 22 bug 6: the shipped agent's base came from a registry this machine could not reach.
  await writeFile(join(home, 'agents', AGENT, 'Dockerfile'), `FROM ${BASE}\nCOPY agent.sh /usr/bin/agent.sh\n`);
  serve = await startServe(home);
});

test.afterAll(async () => {
  await serve?.stop();
  await removeAgentImages(AGENT);
  await removeE2eHome(home);
  await rm(projectsDir(home), { recursive: true, force: true });
});

test('a start whose base image cannot be pulled names the image and what to do, and leaves no bottle', async ({ page }) => {
  const project = join(projectsDir(home), 'baseless');
  await mkdir(project, { recursive: true });

  await page.goto(serve.url);
  await openStartPanel(page);
  await page.getByTestId('folder-input').fill(project);
  await page.getByTestId('agent-select').selectOption(AGENT);
  await page.getByTestId('start-button').click();

  const message = page.getByTestId('launch-message');
  await expect(message).toContainText(`the base image ${BASE} of agent ${AGENT} is not on this engine and could not be pulled`, {
    timeout: 120_000,
  });
  await expect(message).toContainText(`docker pull ${BASE}`);
  await expect(message).toContainText("point the agent's Dockerfile FROM at a local image");
  // All of it shows, the advice at its end too: not cut off with an ellipsis.
  expect(
    await message.evaluate((element) => element.scrollWidth <= element.clientWidth && element.scrollHeight <= element.clientHeight),
  ).toBe(true);
  await screenshotBothThemes(page, 'start-missing-base');

  // No half-made bottle: no card to resume, and no state folder behind it.
  await expect(page.getByTestId('bottle-card')).toHaveCount(0);
  expect((await readdir(join(home, 'state')).catch(() => [])).filter((name) => name.startsWith(`${AGENT}-`))).toEqual([]);
});
