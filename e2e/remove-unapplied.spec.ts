import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { writeScriptAgent } from './helpers/agents';
import { card, expectStatus, newestIdentity, openStartPanel } from './helpers/app-page';
import { removeAgentImages, removeBottles } from './helpers/docker';
import { projectsDir } from './helpers/flows';
import { screenshotBothThemes } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

const AGENT = 'unapplied-agent';
/** An agent that edits one file and adds another as soon as it starts. */
const SCRIPT = `cd /workspace
echo 'agent edit' > edit.txt
echo 'written by the agent' > new.txt
exec sh -i
`;

let home = '';
let serve: ServeProcess;
const started: string[] = [];

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-unapplied-');
  await writeScriptAgent(home, AGENT, SCRIPT, 'changes the project');
  serve = await startServe(home);
});

test.afterAll(async () => {
  await serve?.stop();
  await removeBottles(started);
  await removeAgentImages(AGENT);
  await removeE2eHome(home);
  await rm(projectsDir(home), { recursive: true, force: true });
});

test('removing a copy-mode bottle names the work not yet applied, offers Changes, and removes only when told', async ({ page }) => {
  const project = join(projectsDir(home), 'unapplied');
  await mkdir(project, { recursive: true });
  await writeFile(join(project, 'edit.txt'), 'start\n');

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
  // The operator edits the same file meanwhile: applying would leave it in conflict.
  await writeFile(join(project, 'edit.txt'), 'the operator’s own edit\n');

  await card(page, identity).getByRole('button', { name: 'Remove', exact: true }).click();
  const dialog = page.getByTestId('confirm-remove');
  const warning = dialog.getByTestId('remove-unapplied');
  await expect(warning).toContainText('1 file changed and not applied (new.txt), 1 file in conflict (edit.txt)', { timeout: 30_000 });
  await expect(dialog.getByRole('button', { name: 'Remove and lose it' })).toBeEnabled();
  await screenshotBothThemes(page, 'remove-unapplied');

  // Open Changes: the dialog closes, the bottle stays, its Changes view is where Apply and Export are.
  await dialog.getByTestId('remove-open-changes').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('changes-view')).toBeVisible();
  await expect(card(page, identity)).toBeVisible();

  await card(page, identity).getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(warning).toBeVisible({ timeout: 30_000 });
  await dialog.getByRole('button', { name: 'Remove and lose it' }).click();
  await expect(card(page, identity)).toHaveCount(0, { timeout: 30_000 });
});
