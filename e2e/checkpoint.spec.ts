import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { CheckpointView } from '../src/shared/checkpoints';
import { card, expectStatus } from './helpers/app-page';
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
