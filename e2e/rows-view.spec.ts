import { rm } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { expectStatus, openStartPanel } from './helpers/app-page';
import { writeE2eAgent, writeScriptAgent, E2E_AGENT } from './helpers/agents';
import { startDetached } from './helpers/cli';
import { bottlePanel, row, shootBoth, showRows } from './helpers/cockpit-page';
import { removeAgentImages, removeBottles } from './helpers/docker';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';
import { makeProject, projectsDir } from './helpers/flows';
import { startServe, type ServeProcess } from './helpers/serve-process';

const CRASH_AGENT = 'crash-agent';
let home = '';
let serve: ServeProcess;
let running = '';
let crashed = '';

test.beforeAll(async () => {
  test.setTimeout(300_000);
  home = await createE2eHome('claude-bottle-e2e-rows-');
  await writeE2eAgent(home);
  // Fails on its first breath: the row must say why, not only "exited".
  await writeScriptAgent(home, CRASH_AGENT, 'echo "boom: cannot go on" >&2\nexit 3\n', 'exits with code 3 at once');
  serve = await startServe(home);
  running = await startDetached(home, E2E_AGENT, await makeProject(home, 'rows-running', null));
  crashed = await startDetached(home, CRASH_AGENT, await makeProject(home, 'rows-crashed', null));
});

test.afterAll(async () => {
  test.setTimeout(300_000);
  await serve?.stop();
  await removeBottles([running, crashed].filter(Boolean));
  await removeAgentImages(E2E_AGENT);
  await removeAgentImages(CRASH_AGENT);
  await rm(projectsDir(home), { recursive: true, force: true });
  await removeE2eHome(home);
});

test('rows: one click opens, the checkbox and the icons do not, the crashed row says why', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto(serve.url);
  await expectStatus(page, running, 'running', 90_000);
  await expectStatus(page, crashed, 'exited', 90_000);
  await showRows(page);

  // The crashed bottle's Attention cell names the reason (the card's early-exit reason), not only a state.
  const reason = row(page, crashed).getByTestId('row-exit-reason');
  await expect(reason).toContainText('exit code 3');
  await expect(row(page, crashed).locator('[data-attention]')).toHaveAttribute('data-attention', 'early-exit');

  // The state's main actions, as icons with words: running stops, exited resumes.
  await expect(row(page, running).getByRole('button', { name: 'Stop', exact: true })).toBeVisible();
  await expect(row(page, running).getByRole('button', { name: 'Open terminal', exact: true })).toHaveAttribute('title', 'Open terminal');
  await expect(row(page, crashed).getByRole('button', { name: 'Resume', exact: true })).toBeVisible();
  await expect(row(page, crashed).getByRole('button', { name: 'Stop', exact: true })).toHaveCount(0);
  await shootBoth(page, 'rows-view-actions');

  // Selecting is not opening.
  await row(page, crashed)
    .getByRole('checkbox', { name: `Select ${crashed}` })
    .click();
  await expect(row(page, crashed)).toHaveClass(/is-selected/);
  await expect(bottlePanel(page)).toBeHidden();

  // An icon acts and does not open: Remove asks first, and the bottle view stays closed.
  await row(page, crashed).getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(page.getByTestId('confirm-remove')).toBeVisible();
  await expect(bottlePanel(page)).toBeHidden();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('confirm-remove')).toBeHidden();

  // One click anywhere else on the row opens the bottle.
  await row(page, crashed).locator('.row-text').first().click();
  await expect(bottlePanel(page)).toHaveAttribute('data-identity', crashed);
  await shootBoth(page, 'rows-view-opened');

  // The icons are reachable by keyboard: Tab onto one and Enter presses it.
  await row(page, running).getByRole('button', { name: 'Open terminal', exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(bottlePanel(page)).toHaveAttribute('data-identity', running);
});

test('the start panel remembers the last agent and mode across a reload, never autonomous', async ({ page }) => {
  await page.goto(serve.url);
  await openStartPanel(page);
  await expect(page.getByTestId('agent-select')).toBeEnabled({ timeout: 30_000 });
  await page.getByTestId('agent-select').selectOption(CRASH_AGENT);
  await page.getByRole('radio', { name: 'Copied' }).check();
  await page.reload();
  await openStartPanel(page);
  await expect(page.getByTestId('agent-select')).toHaveValue(CRASH_AGENT, { timeout: 30_000 });
  await expect(page.getByRole('radio', { name: 'Copied' })).toBeChecked();
  await expect(page.getByTestId('autonomous-toggle')).not.toBeChecked();

  await page.getByTestId('agent-select').selectOption(E2E_AGENT);
  await page.getByRole('radio', { name: 'Mounted' }).check();
  await page.reload();
  await openStartPanel(page);
  await expect(page.getByTestId('agent-select')).toHaveValue(E2E_AGENT, { timeout: 30_000 });
  await expect(page.getByRole('radio', { name: 'Mounted' })).toBeChecked();
});

test('the start panel, kept open, folds to a bar while a bottle view is docked, and unfolds on demand', async ({ page }) => {
  await page.goto(serve.url);
  await expectStatus(page, running, 'running', 90_000);
  // Bottles exist: it shows folded until the operator opens it (and then stays open: remembered).
  await expect(page.getByTestId('launch-unfold')).toBeVisible();
  await openStartPanel(page);
  await showRows(page);
  await row(page, running).locator('.row-text').first().click();
  await expect(bottlePanel(page)).toHaveAttribute('data-identity', running);
  // Docked: the form folds away, the list keeps its rows in view.
  await expect(page.getByTestId('folder-input')).toBeHidden();
  await expect(row(page, running)).toBeInViewport();
  await shootBoth(page, 'rows-view-folded');
  // Keyboard: the bar is a button; Enter unfolds the whole form.
  await page.getByTestId('launch-unfold').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('folder-input')).toBeVisible();
  await bottlePanel(page).getByRole('button', { name: 'Close' }).click();
  await expect(bottlePanel(page)).toBeHidden();
  await expect(page.getByTestId('folder-input')).toBeVisible();
});
