import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { dropFile, newestIdentity } from './helpers/app-page';
import { writeE2eAgent, E2E_AGENT } from './helpers/agents';
import { bottlePanel, shootBoth } from './helpers/cockpit-page';
import { removeAgentImages, removeBottles } from './helpers/docker';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';
import { makeProject, projectsDir, startFromUi } from './helpers/flows';
import { startServe, type ServeProcess } from './helpers/serve-process';

/** Bottles straight from a state folder (no containers): enough to fill the list. */
const LISTED = 12;
let home = '';
let listedHome = '';
let serve: ServeProcess;
let listedServe: ServeProcess;
const started: string[] = [];

test.beforeAll(async () => {
  test.setTimeout(120_000);
  home = await createE2eHome('claude-bottle-e2e-fold-');
  await writeE2eAgent(home);
  serve = await startServe(home);
  listedHome = await createE2eHome('claude-bottle-e2e-fold-list-');
  const base = Date.parse('2026-11-20T08:00:00Z');
  for (let index = 0; index < LISTED; index += 1) {
    const identity = `fold-${index.toString(36).padStart(5, '0')}`;
    await mkdir(join(listedHome, 'state', identity), { recursive: true });
    const metadata = {
      identity,
      agent_name: 'claude',
      cwd: `/home/operator/projects/service-${index}`,
      copy_cwd: false,
      started_at: new Date(base + index * 60_000).toISOString().replace('Z', '+00:00'),
    };
    await writeFile(join(listedHome, 'state', identity, 'metadata.json'), JSON.stringify(metadata));
  }
  listedServe = await startServe(listedHome);
});

test.afterAll(async () => {
  test.setTimeout(300_000);
  await serve?.stop();
  await listedServe?.stop();
  await removeBottles(started);
  await removeAgentImages(E2E_AGENT);
  await rm(projectsDir(home), { recursive: true, force: true });
  await removeE2eHome(home);
  await removeE2eHome(listedHome);
});

const folderInput = (page: Page): Locator => page.getByTestId('folder-input');
const bar = (page: Page): Locator => page.getByTestId('launch-unfold');

test('first run open; folded once a bottle exists; click, n and Esc; remembered across a reload', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(serve.url);
  // No bottles: the form, with nothing to fold it (Esc leaves it as it is).
  await expect(page.getByTestId('empty-state')).toBeVisible({ timeout: 30_000 });
  await expect(folderInput(page)).toBeVisible();
  await expect(page.getByTestId('launch-fold')).toHaveCount(0);
  await folderInput(page).focus();
  await page.keyboard.press('Escape');
  await expect(folderInput(page)).toBeVisible();
  await shootBoth(page, 'start-panel-first-run');

  // Typing a path and pressing Start still starts a bottle; then the panel folds to its bar.
  started.push(await startFromUi(page, await makeProject(home, 'fold-first', null)));
  // The card shows as soon as the start begins; the panel folds when the start has ended, which on
  // a loaded machine takes longer than expect's default 5 s.
  await expect(bar(page)).toBeVisible({ timeout: 60_000 });
  await expect(folderInput(page)).toHaveCount(0);
  await expect(bar(page)).toHaveAttribute('title', 'Start a bottle (n)');
  await shootBoth(page, 'start-panel-folded');
  await page.reload();
  await expect(page.getByTestId('bottle-card')).toHaveCount(1, { timeout: 30_000 });
  await expect(bar(page)).toBeVisible();

  // A click unfolds it on the folder field; open is remembered.
  await bar(page).click();
  await expect(folderInput(page)).toBeFocused();
  await shootBoth(page, 'start-panel-unfolded');
  await page.reload();
  await expect(page.getByTestId('bottle-card')).toHaveCount(1, { timeout: 30_000 });
  await expect(folderInput(page)).toBeVisible();

  // Esc with nothing typed folds it, the keyboard left on the bar; folded is remembered too.
  await folderInput(page).focus();
  await page.keyboard.press('Escape');
  await expect(bar(page)).toBeFocused();
  await page.reload();
  await expect(page.getByTestId('bottle-card')).toHaveCount(1, { timeout: 30_000 });
  await expect(bar(page)).toBeVisible();

  // n (over the list, not in a field) opens it on the folder field; Esc keeps what was typed.
  await page.keyboard.press('n');
  await expect(folderInput(page)).toBeFocused();
  await page.keyboard.type('/half/typed');
  await page.keyboard.press('Escape');
  await expect(folderInput(page)).toHaveValue('/half/typed');
  // A failed start keeps it open, with the error.
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('launch-message')).toContainText('Could not start');
  await expect(folderInput(page)).toBeVisible();
  await folderInput(page).fill('');
  await page.getByTestId('launch-fold').click();
  await expect(bar(page)).toBeFocused();

  // A drop on the window unfolds it with what the drop said (browser mode: type the path), and the
  // path typed there starts a bottle.
  await dropFile(page, 'my-project');
  await expect(page.getByTestId('launch-message')).toContainText(/type or paste its full path/i);
  await expect(folderInput(page)).toBeFocused();
  const second = await startFromUi(page, await makeProject(home, 'fold-dropped', null));
  started.push(second);
  expect(second).not.toBe(started[0]);
  expect(await newestIdentity(page)).toBe(second);
  await expect(bar(page)).toBeVisible();
});

/** Cards wholly in sight: inside the list, in the window and above the docked bottle view. */
async function cardsInSight(page: Page): Promise<number> {
  return page.evaluate(() => {
    const dom = globalThis as unknown as {
      innerHeight: number;
      document: { querySelector(s: string): Element | null; querySelectorAll(s: string): Element[] };
    };
    interface Element {
      getBoundingClientRect(): { top: number; bottom: number };
    }
    const list = dom.document.querySelector('.virtual-list')?.getBoundingClientRect();
    const panel = dom.document.querySelector('[data-testid="terminal-panel"]')?.getBoundingClientRect();
    if (list === undefined) return 0;
    const bottom = Math.min(list.bottom, panel?.top ?? dom.innerHeight);
    return Array.from(dom.document.querySelectorAll('[data-testid="bottle-card"]')).filter((card) => {
      const box = card.getBoundingClientRect();
      return box.top >= list.top - 1 && box.bottom <= bottom + 1;
    }).length;
  });
}

test('with a bottle view docked the list keeps its height: folded, even for an operator who keeps the panel open', async ({ page }) => {
  await page.goto(listedServe.url);
  await expect(page.locator('.virtual-list')).toHaveAttribute('data-count', String(LISTED), { timeout: 30_000 });
  const undocked = await cardsInSight(page);
  // Docked: the bar, not the form.
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await expect(bottlePanel(page)).toBeVisible();
  await expect(bar(page)).toBeVisible();
  const docked = await cardsInSight(page);
  await shootBoth(page, 'start-panel-docked');
  // Opened while docked: it shows, and the list loses the room the form takes.
  await bar(page).click();
  await expect(folderInput(page)).toBeVisible();
  const dockedOpen = await cardsInSight(page);
  process.stdout.write(
    `[start-panel-fold] cards in sight: ${undocked} undocked, ${docked} docked and folded, ${dockedOpen} docked and open\n`,
  );
  expect(docked).toBeGreaterThan(dockedOpen);
  expect(docked).toBeGreaterThanOrEqual(1);
  // The operator left it open (remembered); closing the view keeps it open, docking again folds it.
  await bottlePanel(page).getByRole('button', { name: 'Close' }).click();
  await expect(bottlePanel(page)).toBeHidden();
  await expect(folderInput(page)).toBeVisible();
  await page.getByTestId('bottle-card').first().focus();
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await expect(bottlePanel(page)).toBeVisible();
  await expect(bar(page)).toBeVisible();
  expect(await cardsInSight(page)).toBe(docked);
});
