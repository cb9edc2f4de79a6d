import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { row, showRows } from './helpers/cockpit-page';
import { screenshot } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

/*
 * A bottle stopped over its disk budget, as its card shows it. The stop itself is replayed on a
 * real engine by test/docker/hostile-disk-budget.test.ts; here, the state it leaves (its reason
 * file beside metadata.json) as the real renderer, behind the real `serve`, shows it.
 */

const IDENTITY = 'budget-x7k2q';
let home = '';
let serve: ServeProcess;

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-budget-');
  const dir = join(home, 'state', IDENTITY);
  await mkdir(join(dir, 'inbox'), { recursive: true });
  await writeFile(
    join(dir, 'metadata.json'),
    JSON.stringify({
      identity: IDENTITY,
      agent_name: 'claude',
      cwd: '/home/operator/projects/shop',
      copy_cwd: true,
      started_at: '2026-12-03T08:00:00+00:00',
    }),
  );
  await writeFile(join(dir, 'ready-to-resume.json'), JSON.stringify({ reason: 'stopped', at: '2026-12-03T08:05:00.000Z' }));
  const reason = `its inbox went over its 10 MiB disk budget; empty it to resume (${join(dir, 'inbox')}; the budget is maxHostWriteBytes in ${join(home, 'settings.json')})`;
  await writeFile(join(dir, 'stop-reason.json'), JSON.stringify({ version: 1, reason, at: '2026-12-03T08:05:00.000Z' }));
  serve = await startServe(home);
});

test.afterAll(async () => {
  await serve?.stop();
  await removeE2eHome(home);
});

test('a bottle stopped over its disk budget says why on its card', async ({ page }) => {
  await page.goto(serve.url);
  // Other suites' containers on the shared engine may list too: the filter keeps to ours.
  await page.getByTestId('filter-input').fill('budget-');
  const card = page.locator(`[data-testid="bottle-card"][data-identity="${IDENTITY}"]`);
  await expect(card).toBeVisible({ timeout: 30_000 });
  const reason = card.getByTestId('stop-reason');
  await expect(reason).toContainText('Stopped by claude-bottle');
  await expect(reason).toContainText('its inbox went over its 10 MiB disk budget');
  await screenshot(page, '30-disk-budget-stop');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, '30-disk-budget-stop-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // The compact view says it too, with the whole reason on hover.
  await showRows(page);
  const note = row(page, IDENTITY).getByTestId('row-stop-reason');
  await expect(note).toHaveText('over disk budget');
  await expect(note).toHaveAttribute('title', /^its inbox went over its 10 MiB disk budget/);
  await screenshot(page, '31-disk-budget-row');
});
