import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { CheckpointView } from '../src/shared/checkpoints';
import { card, expectStatus } from './helpers/app-page';
import { containerId, docker } from './helpers/docker';
import { useChangesSuite } from './helpers/changes-suite';
import { screenshotBothThemes } from './helpers/screens';

const AGENT = 'checkpoint-agent';
/** An agent that writes a file as soon as it starts, then stays at a prompt. */
const SCRIPT = `cd /workspace
echo 'written by the agent' > agent.txt
exec sh -i
`;

const suite = useChangesSuite(AGENT, 'writes a file', SCRIPT);

test('the Checkpoint button of a running copy-mode bottle saves its workspace, says so, and the bottle runs on', async ({ page }) => {
  const project = await suite.project('checkpointed');
  await writeFile(join(project, 'start.txt'), 'start\n');
  const identity = await suite.startCopied(page, project);

  const button = card(page, identity).getByRole('button', { name: 'Checkpoint', exact: true });
  await expect(button).toBeEnabled();
  await button.click();
  const notice = page.getByTestId('notice').filter({ hasText: `of ${identity} taken` });
  await expect(notice).toContainText(/Checkpoint \d{8}-\d{6}-[a-z0-9]{5} of .* taken \(.*, paused \d+ ms for the copy\)/, {
    timeout: 60_000,
  });
  await screenshotBothThemes(page, 'checkpoint-taken');

  // On disk: one whole checkpoint, holding what the agent wrote; the bottle still runs.
  const dir = join(suite.home(), 'state', identity, 'checkpoints');
  const names = await readdir(dir);
  expect(names).toHaveLength(1);
  const manifest = JSON.parse(await readFile(join(dir, names[0] ?? '', 'manifest.json'), 'utf8')) as CheckpointView;
  expect(manifest).toMatchObject({ identity, source: 'running' });
  expect(await readFile(join(dir, manifest.id, 'workspace', 'agent.txt'), 'utf8')).toBe('written by the agent\n');
  expect(await readFile(join(dir, manifest.id, 'workspace', 'start.txt'), 'utf8')).toBe('start\n');
  await expectStatus(page, identity, 'running');
});

test('the Checkpoints tab lists checkpoints; Drop and Restore ask first; a restored bottle resumes with the checkpoint’s files', async ({
  page,
}) => {
  const project = await suite.project('restored');
  const identity = await suite.startCopied(page, project);
  const bottleCard = card(page, identity);
  const takeOne = async (): Promise<void> => {
    const before = await page
      .getByTestId('notice')
      .filter({ hasText: `of ${identity} taken` })
      .count();
    await bottleCard.getByRole('button', { name: 'Checkpoint', exact: true }).click();
    await expect(page.getByTestId('notice').filter({ hasText: `of ${identity} taken` })).toHaveCount(before + 1, { timeout: 60_000 });
  };
  await docker('exec', await containerId(identity), 'sh', '-c', 'echo at-A > /workspace/mine.txt');
  await takeOne();
  await docker('exec', await containerId(identity), 'sh', '-c', 'echo after-A > /workspace/mine.txt && echo later > /workspace/later.txt');
  await takeOne();

  await bottleCard.getByRole('button', { name: 'Changes' }).click();
  await page.getByTestId('tab-checkpoints').click();
  const list = page.getByTestId('checkpoints');
  const rows = list.getByTestId('checkpoint-row');
  await expect(rows).toHaveCount(2);
  const [newest, oldest] = [await rows.nth(0).getAttribute('data-id'), await rows.nth(1).getAttribute('data-id')];
  expect(oldest).not.toBe(newest);
  await expect(rows.nth(0)).toContainText('running (paused for the copy)');
  await expect(list.getByTestId('checkpoints-total')).toContainText('2 checkpoints');
  // Running: Restore is there but waits, and says why (allowed-actions.ts).
  const restoreOldest = list.locator(`[data-id="${oldest}"]`).getByRole('button', { name: 'Restore' });
  await expect(restoreOldest).toBeDisabled();
  await expect(restoreOldest).toHaveAttribute('title', `stop it first: claude-bottle stop ${identity}`);
  await screenshotBothThemes(page, 'checkpoints-list');

  await bottleCard.getByRole('button', { name: 'Stop', exact: true }).click();
  await expectStatus(page, identity, 'ready-to-resume', 120_000);

  // Drop the newest, after a confirm that says what goes.
  const dialog = page.getByTestId('confirm-checkpoint');
  await list.locator(`[data-id="${newest}"]`).getByRole('button', { name: 'Drop' }).click();
  await expect(dialog).toContainText(`Drop checkpoint “${newest}”?`);
  await expect(dialog).toContainText('deleted for good');
  await dialog.getByTestId('confirm-checkpoint-action').click();
  await expect(rows).toHaveCount(1);
  await expect(dialog).toBeHidden();

  // Restore the oldest: the confirm names what happens to the current state.
  await expect(restoreOldest).toBeEnabled();
  await restoreOldest.click();
  await expect(dialog).toContainText(`Restore ${identity} to “${oldest}”?`);
  await expect(dialog).toContainText('The current state is kept as a checkpoint');
  await screenshotBothThemes(page, 'checkpoint-restore-confirm');
  await dialog.getByTestId('confirm-checkpoint-action').click();
  await expect(page.getByTestId('notice').filter({ hasText: `${identity} restored to checkpoint ${oldest}` })).toBeVisible({
    timeout: 60_000,
  });
  await expect(rows).toHaveCount(2);
  await expect(list).toContainText(`before restore of ${oldest}`);

  await bottleCard.getByRole('button', { name: 'Resume', exact: true }).click();
  await expectStatus(page, identity, 'running', 120_000);
  const id = await containerId(identity);
  expect(await docker('exec', id, 'cat', '/workspace/mine.txt')).toBe('at-A');
  expect(await docker('exec', id, 'ls', '/workspace')).not.toContain('later.txt');
});

test('a mount-mode bottle: Checkpoint saves the folder against its start; Restore says it writes the folder, and does', async ({
  page,
}) => {
  const project = await suite.project('mounted');
  await writeFile(join(project, 'start.txt'), 'start\n');
  const identity = await suite.startMounted(page, project);
  const bottleCard = card(page, identity);
  await expect
    .poll(async () => readFile(join(project, 'agent.txt'), 'utf8').catch(() => ''), { timeout: 60_000 })
    .toBe('written by the agent\n');
  await bottleCard.getByRole('button', { name: 'Checkpoint', exact: true }).click();
  await expect(page.getByTestId('notice').filter({ hasText: `of ${identity} taken` })).toBeVisible({ timeout: 60_000 });
  // Only what differs from the start is in it; the container was never paused.
  const dir = join(suite.home(), 'state', identity, 'checkpoints');
  const [id] = await readdir(dir);
  const manifest = JSON.parse(await readFile(join(dir, id ?? '', 'manifest.json'), 'utf8')) as CheckpointView;
  expect(manifest).toMatchObject({ mode: 'mount', pausedMs: null, deleted: [] });
  expect(await readdir(join(dir, manifest.id, 'workspace'))).toEqual(['agent.txt']);

  await docker('exec', await containerId(identity), 'sh', '-c', 'echo later > /workspace/agent.txt && rm /workspace/start.txt');
  await bottleCard.getByRole('button', { name: 'Stop', exact: true }).click();
  await expectStatus(page, identity, 'ready-to-resume', 120_000);
  await bottleCard.getByRole('button', { name: 'Changes' }).click();
  await page.getByTestId('tab-checkpoints').click();
  const list = page.getByTestId('checkpoints');
  await expect(list.getByTestId('checkpoint-row')).toContainText('your project folder (against its start)');
  await list.locator(`[data-id="${manifest.id}"]`).getByRole('button', { name: 'Restore' }).click();
  const dialog = page.getByTestId('confirm-checkpoint');
  await expect(dialog.getByTestId('confirm-restore-mount')).toContainText('This writes your project folder');
  await screenshotBothThemes(page, 'checkpoint-restore-mount-confirm');
  await dialog.getByTestId('confirm-checkpoint-action').click();
  await expect(page.getByTestId('notice').filter({ hasText: `${identity} restored to checkpoint ${manifest.id}` })).toBeVisible({
    timeout: 60_000,
  });
  expect(await readFile(join(project, 'agent.txt'), 'utf8')).toBe('written by the agent\n');
  expect(await readFile(join(project, 'start.txt'), 'utf8')).toBe('start\n');
  await expect(list).toContainText(`before restore of ${manifest.id}`);
});
