import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { row, shootBoth, showRows } from './helpers/cockpit-page';
import { screenshot } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

const COUNT = 500;
const identityOf = (index: number): string => `load-${index.toString(36).padStart(5, '0')}`;
const NEWEST = identityOf(COUNT - 1);
const OLDEST = identityOf(0);
let home = '';
let serve: ServeProcess;

/** Other suites' containers on the shared engine list here too (as orphans): the filter keeps to ours. */
async function onlyOurs(page: Page, items = COUNT): Promise<void> {
  await page.getByTestId('filter-input').fill('load-');
  await expect(page.locator('.virtual-list')).toHaveAttribute('data-count', String(items), { timeout: 30_000 });
}

/** 500 bottles straight from the state folder (no containers): what the list must stay smooth with. */
test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-many-');
  const base = Date.parse('2026-11-20T08:00:00Z');
  for (let index = 0; index < COUNT; index += 1) {
    const identity = identityOf(index);
    const dir = join(home, 'state', identity);
    await mkdir(dir, { recursive: true });
    const metadata = {
      identity,
      agent_name: index % 3 === 0 ? 'claude' : 'load-agent',
      cwd: `/home/operator/projects/service-${index % 40}`,
      copy_cwd: index % 2 === 0,
      started_at: new Date(base + index * 60_000).toISOString().replace('Z', '+00:00'),
    };
    await writeFile(join(dir, 'metadata.json'), JSON.stringify(metadata));
  }
  serve = await startServe(home);
});

test.afterAll(async () => {
  await serve?.stop();
  await removeE2eHome(home);
});

test(`${COUNT} bottles as cards: windowed, newest first, every one reachable, the filter narrows them`, async ({ page }) => {
  const started = Date.now();
  await page.goto(serve.url);
  await expect(page.getByTestId('bottle-card').first()).toHaveAttribute('data-identity', NEWEST, { timeout: 30_000 });
  process.stdout.write(`[many-bottles] page load → first cards of ${COUNT}: ${Date.now() - started} ms\n`);
  // The newest come first; the whole list follows.
  await expect
    .poll(async () => Number(await page.locator('.virtual-list').getAttribute('data-count')), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(COUNT);
  // Speed is `npm run bench`'s to judge; here only that the list is windowed and whole.
  const rendered = await page.getByTestId('bottle-card').count();
  expect(rendered).toBeGreaterThan(0);
  expect(rendered).toBeLessThan(40);
  await screenshot(page, '17-many-bottles');

  // The oldest is at the bottom of the page, rendered once it scrolls into view.
  await onlyOurs(page);
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await expect(page.locator(`[data-testid="bottle-card"][data-identity="${OLDEST}"]`)).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));

  await page.getByTestId('filter-input').fill('service-7');
  // service-7 and service-70..: 13 bottles, few enough to render all.
  await expect(page.getByTestId('bottle-card')).toHaveCount(13);
  await expect(page.getByTestId('bottle-card').first()).toBeVisible();
});

test(`${COUNT} bottles as rows: sorted, grouped by folder, walked with the keyboard, the choice remembered`, async ({ page }) => {
  await page.goto(serve.url);
  await showRows(page);
  await onlyOurs(page);
  await expect(page.getByTestId('bottle-row').first()).toHaveAttribute('data-identity', NEWEST);
  const rendered = await page.getByTestId('bottle-row').count();
  expect(rendered).toBeGreaterThan(5);
  expect(rendered).toBeLessThan(60);
  await shootBoth(page, '40-rows-500');

  // j walks down; the list scrolls to keep the focused row in view.
  await page.locator('body').click({ position: { x: 5, y: 200 } });
  for (let step = 0; step < 30; step += 1) await page.keyboard.press('j');
  const thirtieth = identityOf(COUNT - 30);
  await expect(row(page, thirtieth)).toHaveClass(/is-focused/);
  await expect(row(page, thirtieth)).toBeInViewport();
  await page.keyboard.press('k');
  await expect(row(page, identityOf(COUNT - 29))).toHaveClass(/is-focused/);

  // Grouped by project folder, sorted by project: 40 folders, each with its bottles.
  await page.getByTestId('sort-select').selectOption('project');
  await page.getByTestId('group-toggle').check();
  await expect(page.locator('.virtual-list')).toHaveAttribute('data-count', String(COUNT + 40));
  await page.evaluate(() => window.scrollTo(0, 0));
  await expect(page.getByTestId('group-header').first()).toContainText('…/projects/service-0');
  await expect(page.getByTestId('group-header').first()).toContainText('13');
  await shootBoth(page, '41-rows-grouped');

  // Reloaded: rows, grouped, by project, as left (the filter is not kept).
  await page.reload();
  await onlyOurs(page, COUNT + 40);
  await expect(page.getByTestId('group-header').first()).toContainText('…/projects/service-0', { timeout: 30_000 });
  await expect(page.getByTestId('sort-select')).toHaveValue('project');
  await expect(page.getByTestId('view-rows')).toBeChecked();
});
