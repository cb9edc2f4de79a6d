import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { writeClaudeStandIn } from '../test/helpers/claude-stand-in';
import { writeTestSettings } from '../test/helpers/test-settings';
import { card, openStartPanel } from './helpers/app-page';
import { removeBottles } from './helpers/docker';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';
import { startRevokingTokenService } from './helpers/fake-token-service';
import { projectsDir } from './helpers/flows';
import { screenshotBothThemes } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';

/*
 * Issue 20: a subscription login the sign-in service refuses at the home refresh shows as signed
 * out, with the reason, in the header and on the cards of the bottles that use it. The serve core's
 * own refresh round finds the stored login due and spends it at a revoking stand-in service.
 */

test.describe.configure({ mode: 'serial' });

const REASON = 'invalid_grant: Refresh token has been revoked';
let home = '';
let hostHome = '';
let serve: ServeProcess;
let tokenService: Server;
const started: string[] = [];

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-signed-out-');
  hostHome = await mkdtemp(join(tmpdir(), 'claude-bottle-e2e-signed-out-host-'));
  await writeClaudeStandIn(join(home, 'agents'));
  const revoking = await startRevokingTokenService(home);
  tokenService = revoking.server;
  await writeTestSettings({ credentialUpstreams: revoking.upstream }, join(home, 'settings.json'));
  // A subscription login that runs out in 5 minutes: the first round refreshes it.
  const files = join(home, 'credentials', 'claude', 'files');
  await mkdir(files, { recursive: true, mode: 0o700 });
  const login = {
    claudeAiOauth: {
      accessToken: 'sk-ant-oat01-e2e-access-token-that-runs-out-soon',
      refreshToken: 'sk-ant-ort01-e2e-refresh-token-revoked-by-the-service',
      expiresAt: Date.now() + 5 * 60_000,
      scopes: ['user:inference'],
      subscriptionType: 'max',
    },
  };
  await writeFile(join(files, '.credentials.json'), JSON.stringify(login), { mode: 0o600 });
  await chmod(join(home, 'credentials'), 0o700);
  serve = await startServe(home, { HOME: hostHome });
});

test.afterAll(async () => {
  await serve?.stop();
  tokenService?.close();
  await removeBottles(started);
  await removeE2eHome(home);
  await rm(projectsDir(home), { recursive: true, force: true });
  await rm(hostHome, { recursive: true, force: true });
});

test('a refused refresh shows signed out, with the reason, in the header and on the cards of its bottles', async ({ page }) => {
  await page.goto(serve.url);
  const chip = page.getByTestId('sign-in-chip');
  await expect(chip).toHaveText('Claude: signed out', { timeout: 30_000 });
  await expect(chip).toHaveAttribute('title', `Signed out: ${REASON}`);

  // A bottle of the agent that uses that set: its card says so too.
  const folder = join(projectsDir(home), 'signed-out');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'README.md'), '# signed out\n');
  const identities = (): Promise<string[]> =>
    page.getByTestId('bottle-card').evaluateAll((all) => all.map((c) => c.getAttribute('data-identity') ?? ''));
  await openStartPanel(page);
  await page.getByTestId('folder-input').fill(folder);
  await page.getByTestId('agent-select').selectOption('claude');
  await page.getByRole('radio', { name: 'Copied' }).check();
  await page.getByTestId('start-button').click();
  let identity = '';
  await expect
    .poll(
      async () => {
        identity = (await identities()).find((candidate) => candidate.startsWith('claude-')) ?? '';
        return identity;
      },
      { timeout: 90_000 },
    )
    .not.toBe('');
  started.push(identity);
  const mark = card(page, identity).getByTestId('signed-out-mark');
  await expect(mark).toBeVisible({ timeout: 60_000 });
  await expect(mark).toHaveText('signed out');
  await expect(mark).toHaveAttribute('title', new RegExp(`^Signed out: ${REASON}\\.`));
  await expect(card(page, identity).getByTestId('status-pill')).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  await screenshotBothThemes(page, 'signed-out-01-header-and-card');

  await chip.click();
  const dialog = page.getByTestId('sign-in-dialog');
  await expect(dialog).toContainText(`Claude: signed out: ${REASON}`);
  await expect(dialog.getByTestId('signed-out-reason')).toContainText('refused this login when it was refreshed');
  await screenshotBothThemes(page, 'signed-out-02-dialog');
  // Nothing of the login reaches the page.
  expect(await page.content()).not.toContain('e2e-refresh-token-revoked');
});
