import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { card, expectStatus } from './helpers/app-page';
import { row, showRows } from './helpers/cockpit-page';
import { claudeBottle, startDetached } from './helpers/cli';
import { removeBottles } from './helpers/docker';
import { openChanges, useChangesSuite } from './helpers/changes-suite';
import { screenshotBothThemes } from './helpers/screens';

const AGENT = 'fork-agent';
/**
 * Each bottle writes the same edit of shared.txt (so it does not differ), a who.txt naming its own
 * container (so it differs), and a file named after its container (so one is only in each).
 */
const SCRIPT = `cd /workspace
echo 'the same edit' >> shared.txt
printf 'line one\\nwritten by %s\\nline three\\n' "$(hostname)" > who.txt
echo mine > "only-$(hostname).txt"
exec sh -i
`;

const suite = useChangesSuite(AGENT, 'writes files of its own', SCRIPT);
const forks: string[] = [];
test.afterAll(async () => {
  await removeBottles(forks);
});
const CHECKPOINT = '20261204-201500-abcde';

test('cards show the family; Changes compares a fork with its parent side by side', async ({ page }) => {
  const project = await suite.project('forked');
  await writeFile(join(project, 'shared.txt'), 'start\n');
  const parent = await suite.startCopied(page, project);
  // The child from the command line: a second start from the UI could read the first card as the newest.
  const child = await startDetached(suite.home(), AGENT, project, true);
  forks.push(child);
  await expect(card(page, child)).toBeVisible({ timeout: 60_000 });
  await expectStatus(page, child, 'running', 90_000);
  // A fork made by hand: the state folder of the child names its parent (as `claude-bottle fork` writes it).
  await writeFile(
    join(suite.home(), 'state', child, 'forked-from.json'),
    JSON.stringify({ parent, checkpoint: CHECKPOINT, at: '2026-12-04T20:15:00.000Z' }),
  );
  // A view is read again when its bottle changes (a fork's file is written before it first starts): stopping it does.
  await expect.poll(async () => await claudeBottle(suite.home(), ['diff', child, '--stat']), { timeout: 30_000 }).toContain('who.txt');
  await claudeBottle(suite.home(), ['stop', child]);
  await page.goto(suite.url());

  const family = card(page, child).getByTestId('family-line');
  await expect(family).toHaveText(`forked from ${parent} · ${CHECKPOINT}`, { timeout: 30_000 });
  await expect(card(page, parent).getByTestId('family-forks')).toHaveText('1 fork');
  await expect(card(page, parent).getByTestId('family-line')).not.toContainText('forked from');
  // The family line stays on the card's one head line: the card keeps its fixed height.
  const heights = await page
    .getByTestId('bottle-card')
    .evaluateAll((cards) => cards.map((element) => element.getBoundingClientRect().height));
  expect(new Set(heights).size).toBe(1);
  await screenshotBothThemes(page, '60-family-cards');
  // Narrow, too: the line gives way, the card keeps the narrow layout's fixed height.
  const wide = page.viewportSize();
  await page.setViewportSize({ width: 750, height: 720 });
  const narrowHeights = await page
    .getByTestId('bottle-card')
    .evaluateAll((cards) => cards.map((element) => Math.round(element.getBoundingClientRect().height)));
  expect(new Set(narrowHeights).size).toBe(1);
  await screenshotBothThemes(page, '60-family-cards-narrow');
  if (wide !== null) await page.setViewportSize(wide);

  // Rows: the same line beside the name, the row keeps its height.
  await showRows(page);
  const childRow = row(page, child);
  await expect(childRow.getByTestId('family-parent')).toHaveText('fork');
  await expect(childRow.getByTestId('family-parent')).toHaveAttribute('title', `Forked from ${parent} · ${CHECKPOINT}: click to open it`);
  await expect(row(page, parent).getByTestId('family-forks')).toHaveText('1 fork');
  expect((await childRow.boundingBox())?.height).toBe((await row(page, parent).boundingBox())?.height);
  await screenshotBothThemes(page, '60-family-rows');
  await page.getByTestId('view-cards').check();

  // A click on the parent opens the parent.
  await family.getByTestId('family-parent').click();
  await expect(page.getByTestId('terminal-panel')).toHaveAttribute('aria-label', `Bottle ${parent}`);

  await page.goto(suite.url());
  const view = await openChanges(page, child);
  const select = view.getByTestId('compare-select');
  await expect(select.locator('option')).toHaveText(['this bottle’s own changes', `${parent} (parent)`]);
  await select.selectOption(parent);
  const compare = view.getByTestId('compare-view');
  await expect(compare).toContainText('3 files differ', { timeout: 60_000 });
  const files = compare.getByTestId('compare-files').locator('li');
  const rows = await files.evaluateAll((items) => items.map((item) => [item.getAttribute('data-status'), item.getAttribute('data-path')]));
  expect(rows.filter(([status]) => status === 'differs').map(([, path]) => path)).toEqual(['who.txt']);
  expect(rows.filter(([status]) => status === 'only-here')).toHaveLength(1);
  expect(rows.filter(([status]) => status === 'only-there')).toHaveLength(1);
  expect(rows.map(([, path]) => path)).not.toContain('shared.txt');

  await files.filter({ hasText: 'who.txt' }).click();
  const diff = compare.getByTestId('compare-diff');
  await expect(diff.getByTestId('code-diff')).toBeVisible();
  await expect(diff).toContainText(`left: ${child}`);
  await expect(diff).toContainText(`right: ${parent}`);
  const editors = diff.locator('.cm-mergeView .cm-editor');
  await expect(editors).toHaveCount(2);
  await expect(editors.nth(0)).toContainText('line three');
  await expect(compare.getByTestId('compare-apply-note')).toContainText('Apply and Export stay each bottle’s own');
  await page.getByTestId('maximize').click();
  await expect(editors.nth(1)).toBeVisible();
  await screenshotBothThemes(page, '61-compare-forks');

  // Back to the bottle's own changes.
  await select.selectOption('');
  await expect(view.getByTestId('changes-summary')).toBeVisible();
});
