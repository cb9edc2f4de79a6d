import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { testToken, writeClaudeStandIn, writeLoginFile } from '../test/helpers/claude-stand-in';
import { card, openStartPanel } from './helpers/app-page';
import { removeBottles } from './helpers/docker';
import { projectsDir } from './helpers/flows';
import { screenshotBothThemes } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

test.describe.configure({ mode: 'serial' });

let home = '';
let hostHome = '';
let serve: ServeProcess;
const started: string[] = [];

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-claude-');
  // The operator's home, where ~/.claude is read: never the real one.
  hostHome = await mkdtemp(join(tmpdir(), 'claude-bottle-e2e-host-'));
  await mkdir(join(hostHome, '.claude'), { recursive: true });
  await writeFile(join(hostHome, '.claude', 'CLAUDE.md'), 'Operator memory.\n');
  await writeClaudeStandIn(join(home, 'agents'));
  serve = await startServe(home, { HOME: hostHome });
});

test.afterAll(async () => {
  await serve?.stop();
  await removeBottles(started);
  await removeE2eHome(home);
  await rm(projectsDir(home), { recursive: true, force: true });
  await rm(hostHome, { recursive: true, force: true });
});

async function project(name: string, failOnStart: string | null): Promise<string> {
  const dir = join(projectsDir(home), name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'README.md'), `# ${name}\n`);
  if (failOnStart !== null) await writeFile(join(dir, 'FAIL_ON_START'), failOnStart);
  return dir;
}

/** Starts from the panel; the new bottle is the card that was not there before (other suites' bottles may come and go). */
async function start(page: Page, folder: string, autonomous: boolean): Promise<string> {
  const identities = (): Promise<string[]> =>
    page.getByTestId('bottle-card').evaluateAll((all) => all.map((c) => c.getAttribute('data-identity') ?? ''));
  // The cards already there are counted once the list is in (taken earlier, an old card read as the new one).
  await expect(page.getByTestId('empty-state').or(page.getByTestId('bottle-card').first())).toBeVisible({ timeout: 30_000 });
  const before = new Set(await identities());
  await openStartPanel(page);
  await page.getByTestId('folder-input').fill(folder);
  await page.getByTestId('agent-select').selectOption('claude');
  await page.getByRole('radio', { name: 'Copied' }).check();
  await page.getByTestId('autonomous-toggle').setChecked(autonomous);
  await page.getByTestId('start-button').click();
  let identity = '';
  await expect
    .poll(
      async () => {
        identity = (await identities()).find((candidate) => !before.has(candidate) && candidate.startsWith('claude-')) ?? '';
        return identity;
      },
      { timeout: 90_000 },
    )
    .not.toBe('');
  started.push(identity);
  await expect(card(page, identity)).toContainText(folder.split('/').pop() ?? '');
  return identity;
}

test('the header shows how Claude is signed in; a login stored at home signs the app in; Sign out', async ({ page }) => {
  await page.goto(serve.url);
  const chip = page.getByTestId('sign-in-chip');
  await expect(chip).toHaveText('Claude: not signed in', { timeout: 20_000 });
  await screenshotBothThemes(page, 'claude-01-header-not-signed-in');
  await chip.click();
  const dialog = page.getByTestId('sign-in-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Sign in once');
  await screenshotBothThemes(page, 'claude-02-sign-in-dialog');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // Autonomous is off until the operator turns it on, for this launch.
  await expect(page.getByTestId('autonomous-toggle')).not.toBeChecked();
  const identity = await start(page, await project('signed-in', null), true);
  await expect(card(page, identity).getByTestId('autonomous-badge')).toBeVisible({ timeout: 60_000 });
  await expect(card(page, identity).getByTestId('status-pill')).toHaveAttribute('data-status', 'running', { timeout: 60_000 });

  // A login reaches the credential store at home (issue 20: never from a bottle; here written as
  // the sign-in flow leaves it): within seconds the app knows, pushed, not polled by the page.
  const files = join(home, 'credentials', 'claude', 'files');
  await mkdir(files, { recursive: true, mode: 0o700 });
  await writeLoginFile(files, 'alice', testToken('e2e'), Date.now() + 8 * 3600_000);
  await expect(chip).toHaveText('Claude: subscription (max)', { timeout: 30_000 });
  await screenshotBothThemes(page, 'claude-03-header-signed-in-autonomous-badge');

  await chip.click();
  await expect(dialog).toContainText('.credentials.json');
  await screenshotBothThemes(page, 'claude-04-signed-in-dialog');
  await dialog.getByTestId('sign-out').click();
  await expect(dialog).toBeHidden();
  await expect(chip).toHaveText('Claude: not signed in');

  // Inspect names where each secret goes (issue 20): the declared ones are signed by the gateway.
  await card(page, identity).getByRole('button', { name: 'Logs' }).click();
  const panel = page.getByTestId('terminal-panel');
  await panel.getByTestId('tab-inspect').click();
  const secrets = panel.getByTestId('inspect-secrets');
  await expect(secrets).toContainText('.credentials.json signed by the gateway for api.anthropic.com:443', { timeout: 20_000 });
  await expect(secrets).toContainText('ANTHROPIC_API_KEY signed by the gateway for api.anthropic.com:443');
  await secrets.scrollIntoViewIfNeeded();
  await screenshotBothThemes(page, 'claude-05-inspect-secrets');
});

test('an agent that exits on start shows why, and its last lines, on the card', async ({ page }) => {
  await page.goto(serve.url);
  const identity = await start(page, await project('no-key', 'Checking your login…\nInvalid API key · Please run /login\n'), false);
  const area = card(page, identity).getByTestId('early-exit');
  await expect(area).toBeVisible({ timeout: 60_000 });
  await expect(area.getByTestId('early-exit-reason')).toContainText('the login or key was refused');
  await expect(area.getByTestId('early-exit-output')).toContainText('Invalid API key · Please run /login');
  await expect(card(page, identity).getByTestId('autonomous-badge')).toHaveCount(0);
  await screenshotBothThemes(page, 'claude-06-exited-on-start');
  // The taller card has a slot of its own height: no card lies over another, and its buttons take
  // the click (before, the next card covered Logs / Resume / Remove, and a click landed on it).
  const boxes = await page.getByTestId('bottle-card').evaluateAll((all) =>
    all.map((element) => {
      const box = element.getBoundingClientRect();
      return { top: box.top, bottom: box.bottom };
    }),
  );
  expect(boxes.length).toBeGreaterThan(1);
  // Its last lines are in view inside the card, above its buttons (not clipped into a thin row).
  const output = await area.getByTestId('early-exit-output').boundingBox();
  const status = await area.boundingBox();
  expect(output?.height ?? 0).toBeGreaterThan(30);
  expect((output?.y ?? 0) + (output?.height ?? 0)).toBeLessThanOrEqual((status?.y ?? 0) + (status?.height ?? 0) + 1);
  const sorted = [...boxes].sort((a, b) => a.top - b.top);
  for (let index = 1; index < sorted.length; index += 1) expect(sorted[index]?.top).toBeGreaterThanOrEqual(sorted[index - 1]?.bottom ?? 0);
  for (const name of ['Logs', 'Resume', 'Remove']) {
    await card(page, identity).getByRole('button', { name, exact: true }).click({ trial: true, timeout: 5_000 });
  }
  await card(page, identity).getByRole('button', { name: 'Logs', exact: true }).click({ timeout: 5_000 });
  await expect(page.getByTestId('terminal-panel')).toBeVisible();
  await page.reload();
  await expect(card(page, identity).getByTestId('early-exit')).toBeVisible({ timeout: 30_000 });
  await card(page, identity).getByRole('button', { name: 'Resume', exact: true }).click({ trial: true, timeout: 5_000 });
});
