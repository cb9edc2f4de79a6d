import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { CheckpointView } from '../src/shared/checkpoints';
import { writeScriptAgent } from './helpers/agents';
import { card, expectStatus, newestIdentity, openStartPanel } from './helpers/app-page';
import { removeAgentImages, removeBottles } from './helpers/docker';
import { projectsDir } from './helpers/flows';
import { screenshotBothThemes } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

const AGENT = 'checkpoint-agent';
/** An agent that writes a file as soon as it starts, then stays at a prompt. */
const SCRIPT = `cd /workspace
echo 'written by the agent' > agent.txt
exec sh -i
`;

let home = '';
let serve: ServeProcess;
const started: string[] = [];

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-checkpoint-');
  await writeScriptAgent(home, AGENT, SCRIPT, 'writes a file');
  serve = await startServe(home);
});

test.afterAll(async () => {
  await serve?.stop();
  await removeBottles(started);
  await removeAgentImages(AGENT);
  await removeE2eHome(home);
  await rm(projectsDir(home), { recursive: true, force: true });
});

test('the Checkpoint button of a running copy-mode bottle saves its workspace, says so, and the bottle runs on', async ({ page }) => {
  const project = join(projectsDir(home), 'checkpointed');
  await mkdir(project, { recursive: true });
  await writeFile(join(project, 'start.txt'), 'start\n');

  await page.goto(serve.url);
  await openStartPanel(page);
  await page.getByTestId('folder-input').fill(project);
  await page.getByTestId('agent-select').selectOption(AGENT);
  await page.getByRole('radio', { name: 'Copied' }).check();
  await page.getByTestId('start-button').click();
  await expect.poll(async () => (await newestIdentity(page)).startsWith(`${AGENT}-`), { timeout: 90_000 }).toBe(true);
  const identity = await newestIdentity(page);
  started.push(identity);
  await expectStatus(page, identity, 'running', 90_000);

  const button = card(page, identity).getByRole('button', { name: 'Checkpoint', exact: true });
  await expect(button).toBeEnabled();
  await button.click();
  const notice = page.getByTestId('notice').filter({ hasText: `of ${identity} taken` });
  await expect(notice).toContainText(/Checkpoint \d{8}-\d{6}-[a-z0-9]{5} of .* taken \(.*, paused \d+ ms for the copy\)/, {
    timeout: 60_000,
  });
  await screenshotBothThemes(page, 'checkpoint-taken');

  // On disk: one whole checkpoint, holding what the agent wrote; the bottle still runs.
  const dir = join(home, 'state', identity, 'checkpoints');
  const names = await readdir(dir);
  expect(names).toHaveLength(1);
  const manifest = JSON.parse(await readFile(join(dir, names[0] ?? '', 'manifest.json'), 'utf8')) as CheckpointView;
  expect(manifest).toMatchObject({ identity, source: 'running' });
  expect(await readFile(join(dir, manifest.id, 'workspace', 'agent.txt'), 'utf8')).toBe('written by the agent\n');
  expect(await readFile(join(dir, manifest.id, 'workspace', 'start.txt'), 'utf8')).toBe('start\n');
  await expectStatus(page, identity, 'running');
});
