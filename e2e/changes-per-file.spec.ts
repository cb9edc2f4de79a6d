import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { commitAll, openChanges, useChangesSuite } from './helpers/changes-suite';
import { containerId, docker } from './helpers/docker';
import { screenshotBothThemes } from './helpers/screens';

const AGENT = 'per-file-agent';

/** Edits two files and adds a third, in one go each; then idles. */
const SCRIPT = `cd /workspace
printf 'a by the agent\\n' > a.txt
printf 'b by the agent\\n' > b.txt
printf 'c by the agent\\n' > c.txt
exec sh -i
`;

const suite = useChangesSuite(AGENT, 'changes three files', SCRIPT);

test('apply one file, keep the operator’s own edit in a conflict, discard a file in the bottle', async ({ page }) => {
  const project = await suite.project('per-file');
  await writeFile(join(project, 'a.txt'), 'a at the start\n');
  await writeFile(join(project, 'b.txt'), 'b at the start\n');
  // A repository: the start of a file the operator edits later is still in git for Discard.
  await commitAll(project);
  const identity = await suite.startCopied(page, project);
  const view = await openChanges(page, identity);
  const files = view.getByTestId('changes-files');
  const diff = view.getByTestId('changes-diff');
  await expect(files.getByRole('option')).toHaveText([/a\.txt/, /b\.txt/, /c\.txt/], { timeout: 60_000 });

  // Apply this file: only a.txt reaches the project folder.
  await files.getByRole('option', { name: /a\.txt/ }).click();
  await expect(diff.locator('h3')).toHaveText('a.txt');
  await diff.getByTestId('apply-file').click();
  await expect(view.getByTestId('apply-summary')).toContainText(`Applied: 1 written, 0 deleted in ${project}.`, { timeout: 60_000 });
  expect(await readFile(join(project, 'a.txt'), 'utf8')).toBe('a by the agent\n');
  expect(await readFile(join(project, 'b.txt'), 'utf8')).toBe('b at the start\n');
  expect(await stat(join(project, 'c.txt')).catch(() => null)).toBeNull();
  await expect(files.getByRole('option', { name: /a\.txt.*applied/ })).toBeVisible({ timeout: 30_000 });
  await expect(diff.getByTestId('apply-file')).toBeDisabled();

  // The operator edited b.txt too: their file stays, the agent's goes beside it.
  await writeFile(join(project, 'b.txt'), 'b by the operator\n');
  await files.getByRole('option', { name: /b\.txt/ }).click();
  await expect(diff.locator('h3')).toHaveText('b.txt');
  await diff.getByTestId('apply-file').click();
  const summary = view.getByTestId('apply-summary');
  await expect(summary).toContainText('1 conflict', { timeout: 60_000 });
  await expect(summary).toContainText(`b.txt — you changed it too: your file stays; the agent’s version is in b.txt.bottle-${identity}`);
  expect(await readFile(join(project, 'b.txt'), 'utf8')).toBe('b by the operator\n');
  expect(await readFile(join(project, `b.txt.bottle-${identity}`), 'utf8')).toBe('b by the agent\n');
  await screenshotBothThemes(page, '27-changes-apply-file-conflict');

  // Discard c.txt: a confirmation first, then the bottle's copy goes back to the start (none).
  await files.getByRole('option', { name: /c\.txt/ }).click();
  await expect(diff.locator('h3')).toHaveText('c.txt');
  await diff.getByTestId('discard-file').click();
  await expect(diff.getByTestId('discard-confirm')).toContainText('Undo the agent’s change to c.txt in the bottle?');
  await screenshotBothThemes(page, '28-changes-discard-confirm');
  await diff.getByTestId('discard-file-confirm').click();
  await expect(view.getByTestId('discard-result')).toHaveText('Discarded in the bottle: c.txt — removed: c.txt', { timeout: 60_000 });
  await expect(files.getByRole('option')).toHaveText([/a\.txt/, /b\.txt/], { timeout: 30_000 });
  const id = await containerId(identity);
  expect(await docker('exec', id, 'ls', '/workspace')).toBe('a.txt\nb.txt');

  // Discard b.txt: back to its start in the bottle; the project folder keeps the operator's edit.
  await files.getByRole('option', { name: /b\.txt/ }).click();
  await diff.getByTestId('discard-file').click();
  await diff.getByTestId('discard-file-confirm').click();
  await expect(view.getByTestId('discard-result')).toContainText('back as it started: b.txt', { timeout: 60_000 });
  await expect(files.getByRole('option')).toHaveText([/a\.txt/], { timeout: 30_000 });
  expect(await docker('exec', id, 'cat', '/workspace/b.txt')).toBe('b at the start');
  expect(await readFile(join(project, 'b.txt'), 'utf8')).toBe('b by the operator\n');
});
