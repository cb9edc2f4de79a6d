import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { commitAll, operatorGit, openChanges, useChangesSuite } from './helpers/changes-suite';
import { screenshot } from './helpers/screens';

const AGENT = 'changes-agent';

/** An agent that changes the project as soon as it starts: an edit, a new file, a deletion, a binary, a large file. */
const SCRIPT = `cd /workspace
printf 'one\\n2\\nthree\\nfour\\n' > edit.txt
echo 'written by the agent' > new.txt
rm gone.txt
printf '\\000\\001\\002logo' > logo.bin
i=0; while [ $i -lt 16000 ]; do echo "line $i of a large generated file"; i=$((i+1)); done > big.txt
exec sh -i
`;

const suite = useChangesSuite(AGENT, 'changes the project', SCRIPT);

test('open Changes, read a diff, Apply and see the summary, export a branch', async ({ page }) => {
  const project = await suite.project('changes');
  await writeFile(join(project, 'edit.txt'), 'one\ntwo\nthree\n');
  await writeFile(join(project, 'gone.txt'), 'to be deleted\n');
  await writeFile(join(project, 'README.md'), '# changes\n');
  await commitAll(project);
  const identity = await suite.startCopied(page, project);

  const view = await openChanges(page, identity);
  const files = view.getByTestId('changes-files');
  await expect(files.getByRole('option')).toHaveCount(5, { timeout: 60_000 });
  await expect(files.getByRole('option')).toHaveText([/big\.txt/, /edit\.txt/, /gone\.txt/, /logo\.bin.*binary/, /new\.txt/]);
  await expect(view.getByTestId('changes-summary')).toContainText('5 files changed');

  // A large file: a note, and its whole diff on demand.
  const diff = view.getByTestId('changes-diff');
  await files.getByRole('option', { name: /big\.txt/ }).click();
  await expect(diff.getByTestId('changes-note')).toHaveText('large file: open it to see the whole diff');
  await diff.getByRole('button', { name: 'Show the whole diff' }).click();
  await expect(diff.locator('.diff-line[data-kind="add"]')).toHaveCount(16000, { timeout: 30_000 });
  await expect(diff.locator('.diff-line[data-kind="add"] .diff-text').last()).toHaveText('line 15999 of a large generated file');

  // Read a diff: pick the edited file (keyboard: the list takes arrow keys).
  await files.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  await expect(diff.locator('h3')).toHaveText('edit.txt');
  // The merge view: the start's version left, the agent's right.
  await expect(diff.locator('.cm-merge-a .cm-content')).toContainText('two', { timeout: 30_000 });
  await expect(diff.locator('.cm-merge-b .cm-changedLine')).toHaveText(['2', 'four']);
  await screenshot(page, '20-changes-diff-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, '20-changes-diff-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await files.getByRole('option', { name: /logo\.bin/ }).click();
  await expect(diff.getByTestId('changes-note')).toHaveText('binary file');

  // Apply: the plan first, then the summary.
  await view.getByTestId('apply-button').click();
  await expect(view.getByTestId('apply-plan')).toContainText('Apply would write 4 and delete 1 file');
  await screenshot(page, '21-changes-apply-plan');
  await view.getByTestId('apply-confirm').click();
  const summary = view.getByTestId('apply-summary');
  await expect(summary).toContainText(`Applied: 4 written, 1 deleted in ${project}.`, { timeout: 60_000 });
  await expect(summary).toContainText('0 conflicts');
  expect(await readFile(join(project, 'edit.txt'), 'utf8')).toBe('one\n2\nthree\nfour\n');
  expect(await readFile(join(project, 'new.txt'), 'utf8')).toBe('written by the agent\n');
  await expect(files.getByRole('option', { name: /edit\.txt.*applied/ })).toBeVisible({ timeout: 30_000 });
  await screenshot(page, '22-changes-applied-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, '22-changes-applied-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // Export as a branch: the name is already filled in (not a placeholder) and the button is ready.
  await expect(view.getByTestId('branch-input')).toHaveValue(`bottle/${identity}`);
  await expect(view.getByTestId('export-button')).toBeEnabled();
  // A name git refuses says why before anything is sent.
  await view.getByTestId('branch-input').fill('bad..name');
  await expect(view.getByText(/Branch name: no \.\./)).toBeVisible();
  await expect(view.getByTestId('export-button')).toBeDisabled();
  await view.getByTestId('branch-input').fill(`bottle/${identity}`);
  await view.getByTestId('export-button').click();
  await expect(view.getByTestId('export-result')).toContainText(`Created branch bottle/${identity}`, { timeout: 60_000 });
  expect((await operatorGit(project, 'log', '--format=%s', `bottle/${identity}`)).split('\n')[0]).toBe(
    `Uncommitted changes from bottle ${identity}`,
  );
  await screenshot(page, '23-changes-exported');

  await page.keyboard.press('Escape');
  await expect(page.getByTestId('terminal-panel')).toBeHidden();
});
