import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { commitAll, openChanges, useChangesSuite } from './helpers/changes-suite';
import { screenshotBothThemes } from './helpers/screens';

const AGENT = 'merge-agent';

const START = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n';
const AGENTS = 'one\ntwo\nthree\nfour by the agent\nfive\nSIX by the agent\nseven\n';
const MINE = 'one by you\ntwo\nthree\nfour by you\nfive\nsix\nseven\n';

/** Edits lines four and six of notes.txt, rewrites a binary file; then idles. */
const SCRIPT = `cd /workspace
printf '${AGENTS.replaceAll('\n', '\\n')}' > notes.txt
printf 'agent\\000bytes' > logo.bin
printf 'a\\r\\nb\\r\\nc by the agent\\r\\n' > win.txt
exec sh -i
`;

const suite = useChangesSuite(AGENT, 'edits notes.txt', SCRIPT);

test('a conflict opens as a three-way merge; the edited result is saved, a file changed meanwhile is refused', async ({ page }) => {
  const project = await suite.project('merge');
  await writeFile(join(project, 'notes.txt'), START);
  await writeFile(join(project, 'logo.bin'), Buffer.from('start\0bytes'));
  await writeFile(join(project, 'win.txt'), 'a\r\nb\r\nc\r\n');
  // A repository: the start of the file the operator edits is still in git, for the merge's base.
  await commitAll(project);
  const identity = await suite.startCopied(page, project);
  const view = await openChanges(page, identity);
  const files = view.getByTestId('changes-files');
  const diff = view.getByTestId('changes-diff');
  const row = files.getByRole('option', { name: /notes\.txt/ });
  await expect(row).toBeVisible({ timeout: 60_000 });
  await row.click();
  await expect(diff.locator('h3')).toHaveText('notes.txt');
  await expect(diff.getByTestId('resolve-file')).toHaveCount(0);

  // The operator edits the same file: before any apply, the view calls it a conflict and offers Resolve.
  await writeFile(join(project, 'notes.txt'), MINE);
  await expect(row).toContainText('conflict', { timeout: 30_000 });
  await expect(diff.getByTestId('resolve-file')).toBeVisible();

  // Apply: the operator's file stays, the agent's goes beside it; the summary offers Resolve too.
  await writeFile(join(project, 'logo.bin'), Buffer.from('your\0bytes'));
  await writeFile(join(project, 'win.txt'), 'a by you\r\nb\r\nc\r\n');
  await expect(files.getByRole('option', { name: /logo\.bin/ })).toContainText('conflict', { timeout: 30_000 });
  await view.getByTestId('apply-button').click();
  await view.getByTestId('apply-confirm').click();
  const summary = view.getByTestId('apply-summary');
  await expect(summary).toContainText('3 conflicts', { timeout: 60_000 });
  const sidecar = join(project, `notes.txt.bottle-${identity}`);
  expect(await readFile(sidecar, 'utf8')).toBe(AGENTS);
  await summary.locator('li', { hasText: 'notes.txt' }).getByTestId('resolve-outcome').click();

  const dialog = page.getByTestId('merge-dialog');
  await expect(dialog).toBeVisible();
  const result = dialog.getByTestId('merge-result');
  await expect(result).toContainText('<<<<<<< yours (project folder)', { timeout: 30_000 });
  await expect(dialog.getByTestId('merge-summary')).toContainText('1 place changed on both sides is marked in the result.');
  await expect(dialog.getByTestId('merge-summary')).toContainText(`Saving also removes notes.txt.bottle-${identity}.`);
  await expect(dialog.getByTestId('merge-host')).toContainText('four by you');
  await expect(dialog.getByTestId('merge-agent')).toContainText('SIX by the agent');
  await screenshotBothThemes(page, '43-changes-merge-view');

  // Keyboard: Esc cancels (nothing written); the view opens again from the file's own Resolve.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  expect(await readFile(join(project, 'notes.txt'), 'utf8')).toBe(MINE);
  await diff.getByTestId('resolve-file').focus();
  await page.keyboard.press('Enter');
  await expect(result).toContainText('<<<<<<< yours (project folder)', { timeout: 30_000 });

  // The operator writes the result by hand: select it all and type.
  const merged = 'one by you\ntwo\nthree\nfour by both\nfive\nSIX by the agent\nseven\n';
  await result.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(merged.slice(0, -1));
  await page.keyboard.press('Enter');
  await expect(result).not.toContainText('<<<<<<<');

  // The project file changes while the view is open: Save is refused, the file keeps the new edit.
  const again = `${MINE}eight by you\n`;
  await writeFile(join(project, 'notes.txt'), again);
  await dialog.getByTestId('merge-save').click();
  await expect(dialog.getByTestId('merge-error')).toContainText(
    'notes.txt changed in the project folder while the merge view was open: nothing was written; look again',
  );
  expect(await readFile(join(project, 'notes.txt'), 'utf8')).toBe(again);
  // The versions were read again, the typed result kept: a second Save writes it.
  await expect(dialog.getByTestId('merge-host')).toContainText('eight by you');
  await expect(result).toContainText('four by both');
  await dialog.getByTestId('merge-save').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  await expect(view.getByTestId('resolve-result')).toHaveText(
    `Resolved notes.txt: the merge result is in the project folder; notes.txt.bottle-${identity} removed.`,
  );
  expect(await readFile(join(project, 'notes.txt'), 'utf8')).toBe(merged);
  expect(await stat(sidecar).catch(() => null)).toBeNull();

  // The conflict is gone: the file counts as applied, no Resolve is offered any more.
  await expect(row).toContainText('applied', { timeout: 30_000 });
  await expect(row).not.toContainText('conflict');
  await expect(diff.getByTestId('resolve-file')).toHaveCount(0);
  await expect(summary.locator('li', { hasText: 'notes.txt' })).toContainText('resolved');

  // A binary file: no line merge, said so; Take agent replaces the project file with the agent's bytes.
  await summary.locator('li', { hasText: 'logo.bin' }).getByTestId('resolve-outcome').click();
  await expect(dialog.getByTestId('merge-note')).toHaveText('your version is binary: take one side whole');
  await expect(dialog.getByTestId('merge-result')).toHaveCount(0);
  await screenshotBothThemes(page, '44-changes-merge-binary');
  await dialog.getByTestId('merge-take-agent').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  await expect(view.getByTestId('resolve-result')).toContainText('Resolved logo.bin: the agent’s version is in the project folder');
  expect(await readFile(join(project, 'logo.bin'))).toEqual(Buffer.from('agent\0bytes'));
  await expect(summary.getByTestId('resolve-outcome')).toHaveCount(1);

  // CRLF line ends survive the editor: both changes merge cleanly, saved byte for byte.
  const win = files.getByRole('option', { name: /win\.txt/ });
  await expect(win).toContainText('conflict', { timeout: 30_000 });
  await win.click();
  await diff.getByTestId('resolve-file').click();
  await expect(dialog.getByTestId('merge-summary')).toContainText('The changes did not overlap: the result holds both.');
  await dialog.getByTestId('merge-save').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  expect(await readFile(join(project, 'win.txt'), 'utf8')).toBe('a by you\r\nb\r\nc by the agent\r\n');
  await expect(summary.getByTestId('resolve-outcome')).toHaveCount(0);
});
