import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { card, expectStatus } from './helpers/app-page';
import { useChangesSuite } from './helpers/changes-suite';
import { containerId, docker, removeBottles } from './helpers/docker';
import { screenshotBothThemes } from './helpers/screens';

const AGENT = 'fork-agent';
/** An agent that writes a file as soon as it starts, then stays at a prompt. */
const SCRIPT = `cd /workspace
echo "written by $(hostname)" > "by-$(hostname).txt"
exec sh -i
`;

const suite = useChangesSuite(AGENT, 'writes a file', SCRIPT);
const forks: string[] = [];
test.afterAll(async () => {
  await removeBottles(forks);
});

test('the Fork button makes two named bottles from a checkpoint picked from the list, each with its family recorded', async ({ page }) => {
  const project = await suite.project('forked');
  await writeFile(join(project, 'start.txt'), 'start\n');
  const parent = await suite.startCopied(page, project);

  // A checkpoint to pick: taken with the Checkpoint button.
  await card(page, parent).getByRole('button', { name: 'Checkpoint', exact: true }).click();
  await expect(page.getByTestId('notice').filter({ hasText: `of ${parent} taken` })).toBeVisible({ timeout: 60_000 });
  const [checkpoint] = await readdir(join(suite.home(), 'state', parent, 'checkpoints'));
  expect(checkpoint).toMatch(/^\d{8}-\d{6}-[a-z0-9]{5}$/);

  const button = card(page, parent).getByRole('button', { name: 'Fork', exact: true });
  await expect(button).toBeEnabled();
  await button.click();
  const dialog = page.getByTestId('fork-dialog');
  await expect(dialog).toBeVisible();
  // The list offers a new checkpoint and the one just taken, marked latest.
  await expect(dialog.getByTestId('fork-from').locator('option')).toHaveCount(2);
  await dialog.getByTestId('fork-from').selectOption(checkpoint ?? '');
  await dialog.getByTestId('fork-count').fill('2');
  // A bad name is said beside the field and holds the button back.
  await dialog.getByTestId('fork-name').fill('-bad');
  await expect(dialog.getByTestId('fork-confirm')).toBeDisabled();
  await dialog.getByTestId('fork-name').fill('kid');
  // This agent takes no first instruction (no promptArgs): the field stays empty.
  await expect(dialog.getByTestId('fork-confirm')).toHaveText('Fork 2');
  await screenshotBothThemes(page, 'fork-dialog');

  await dialog.getByTestId('fork-confirm').click();
  const notice = page.getByTestId('notice').filter({ hasText: `Forked ${parent}` });
  await expect(notice).toContainText(`at checkpoint ${checkpoint ?? ''}: kid, kid-2`, { timeout: 120_000 });
  await expect(dialog).toBeHidden();

  // On disk: two new bottles, each recording its parent and the checkpoint picked.
  const state = join(suite.home(), 'state');
  const made: string[] = [];
  for (const identity of await readdir(state)) {
    const family = await readFile(join(state, identity, 'forked-from.json'), 'utf8').catch(() => null);
    if (family === null) continue;
    made.push(identity);
    expect(JSON.parse(family)).toMatchObject({ parent, checkpoint });
  }
  forks.push(...made);
  expect(made).toHaveLength(2);
  for (const identity of made) await expectStatus(page, identity, 'running', 90_000);
  await expectStatus(page, parent, 'running');
  await screenshotBothThemes(page, 'fork-made');
});

test('a mount-mode bottle forks too: the dialog says its forks are copies, and the fork works on its own copy of the folder', async ({
  page,
}) => {
  const project = await suite.project('forked-mount');
  await writeFile(join(project, 'start.txt'), 'start\n');
  const parent = await suite.startMounted(page, project);
  // The parent's agent wrote its file into the operator's folder itself.
  await expect.poll(async () => (await readdir(project)).filter((name) => name.startsWith('by-')), { timeout: 60_000 }).toHaveLength(1);

  await card(page, parent).getByRole('button', { name: 'Fork', exact: true }).click();
  const dialog = page.getByTestId('fork-dialog');
  await expect(dialog.getByTestId('fork-mount-note')).toContainText('its forks will be copies');
  await screenshotBothThemes(page, 'fork-dialog-mount');
  await dialog.getByTestId('fork-confirm').click();
  await expect(page.getByTestId('notice').filter({ hasText: `Forked ${parent}` })).toBeVisible({ timeout: 120_000 });

  const state = join(suite.home(), 'state');
  const made: string[] = [];
  for (const identity of await readdir(state)) {
    const family = await readFile(join(state, identity, 'forked-from.json'), 'utf8').catch(() => null);
    if (family !== null && (JSON.parse(family) as { parent: string }).parent === parent) made.push(identity);
  }
  forks.push(...made);
  expect(made).toHaveLength(1);
  const [fork] = made;
  await expectStatus(page, fork ?? '?', 'running', 90_000);
  // The fork is a copy-mode bottle: its agent's file is in its copy, never in the operator's folder.
  const metadata = JSON.parse(await readFile(join(state, fork ?? '?', 'metadata.json'), 'utf8')) as { copy_cwd: boolean };
  expect(metadata.copy_cwd).toBe(true);
  const id = await containerId(fork ?? '?');
  await expect
    .poll(async () => docker('exec', id, 'sh', '-c', 'ls /workspace | grep -c "^by-"').catch(() => ''), { timeout: 60_000 })
    .toBe('2');
  expect((await readdir(project)).filter((name) => name.startsWith('by-'))).toHaveLength(1);
});
