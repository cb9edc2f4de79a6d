import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { openChanges, useChangesSuite } from './helpers/changes-suite';
import { containerId, docker } from './helpers/docker';
import { screenshotBothThemes } from './helpers/screens';

const AGENT = 'since-apply-agent';

/** Edits two files; then idles (the test changes more in the bottle later). */
const SCRIPT = `cd /workspace
printf 'a one\\na by the agent\\n' > a.txt
printf 'b by the agent\\n' > b.txt
exec sh -i
`;

const suite = useChangesSuite(AGENT, 'changes two files', SCRIPT);

test('"New since last apply": off before an apply, then only what changed since it, against what it wrote', async ({ page }) => {
  const project = await suite.project('since-apply');
  await writeFile(join(project, 'a.txt'), 'a one\na at the start\n');
  await writeFile(join(project, 'b.txt'), 'b at the start\n');
  const identity = await suite.startCopied(page, project);
  const view = await openChanges(page, identity);
  const files = view.getByTestId('changes-files');
  const start = view.getByTestId('changes-since-start');
  const sinceApply = view.getByTestId('changes-since-apply');
  await expect(files.getByRole('option')).toHaveText([/a\.txt/, /b\.txt/], { timeout: 60_000 });
  // The panel maximized: the toggle, the list and the diff in one screenshot.
  await page.getByTestId('maximize').click();

  // Before any apply: the second side is off, and says why.
  await expect(start).toHaveAttribute('aria-pressed', 'true');
  await expect(start).toHaveText('Since start 2');
  await expect(sinceApply).toBeDisabled();
  await expect(view.getByTestId('changes-since-none')).toHaveText('No apply yet: every change is new.');
  await screenshotBothThemes(page, '44-changes-since-apply-no-apply-yet');

  // Apply everything; nothing is new since.
  await view.getByTestId('apply-button').click();
  await view.getByTestId('apply-confirm').click();
  await expect(view.getByTestId('apply-summary')).toContainText(`Applied: 2 written, 0 deleted in ${project}.`, { timeout: 60_000 });
  expect(await readFile(join(project, 'a.txt'), 'utf8')).toBe('a one\na by the agent\n');
  await expect(sinceApply).toBeEnabled({ timeout: 30_000 });
  await expect(sinceApply).toHaveText('New since last apply 0');
  await expect(view.getByTestId('changes-since-none')).toHaveCount(0);

  // From the keyboard: Tab from one side to the other, Enter chooses it.
  await start.focus();
  await page.keyboard.press('Tab');
  await expect(sinceApply).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(sinceApply).toHaveAttribute('aria-pressed', 'true');
  const empty = view.getByTestId('changes-none-since-apply');
  await expect(empty).toContainText(/^Nothing new since the last apply at .+\./, { timeout: 30_000 });
  await expect(view.getByTestId('changes-summary')).toContainText('0 files new since the last apply at');
  await empty.scrollIntoViewIfNeeded();
  await screenshotBothThemes(page, '45-changes-since-apply-nothing-new');

  // The agent changes a.txt again and adds c.txt: only those two are new; a.txt's left side is what apply wrote.
  const id = await containerId(identity);
  await docker('exec', id, 'sh', '-c', "cd /workspace && printf 'a one\\na changed again\\n' > a.txt && printf 'c new\\n' > c.txt");
  await expect(files.getByRole('option')).toHaveText([/a\.txt/, /c\.txt/], { timeout: 60_000 });
  await expect(sinceApply).toHaveText('New since last apply 2');
  await expect(start).toHaveText('Since start 3');
  await files.getByRole('option', { name: /a\.txt/ }).click();
  const code = view.getByTestId('code-diff');
  await expect(code.locator('.cm-merge-a .cm-changedLine')).toHaveText(['a by the agent'], { timeout: 30_000 });
  await expect(code.locator('.cm-merge-b .cm-changedLine')).toHaveText(['a changed again']);
  await code.scrollIntoViewIfNeeded();
  await screenshotBothThemes(page, '46-changes-since-apply-diff');

  // The choice is kept for the bottle: closed and opened again, the view is still on "new since".
  await page.getByTestId('tab-logs').click();
  await expect(view).toHaveCount(0);
  await page.getByTestId('tab-changes').click();
  await expect(sinceApply).toHaveAttribute('aria-pressed', 'true', { timeout: 30_000 });
  await expect(files.getByRole('option')).toHaveText([/a\.txt/, /c\.txt/], { timeout: 30_000 });

  // Since start: every change, a.txt against the start again.
  await start.click();
  await expect(files.getByRole('option')).toHaveText([/a\.txt/, /b\.txt/, /c\.txt/], { timeout: 30_000 });
  await files.getByRole('option', { name: /a\.txt/ }).click();
  await expect(code.locator('.cm-merge-a .cm-changedLine')).toHaveText(['a at the start'], { timeout: 30_000 });
});
