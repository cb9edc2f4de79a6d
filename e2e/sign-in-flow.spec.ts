import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { TEST_BASE_IMAGE } from '../test/helpers/busybox-image';
import { docker } from './helpers/docker';
import { screenshot } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

/*
 * The header's Sign in (issue 20): the dialog runs the sign-in flow on a terminal of its own. A
 * stand-in `claude` agent's signIn command asks for a pasted code, as `claude auth login` does;
 * the operator types it in the dialog's terminal, the login lands in the store, the header says so,
 * and no container of the flow is left.
 */

test.describe.configure({ mode: 'serial' });

let home = '';
let serve: ServeProcess;

const CONFIG_DIR = '/home/agent/.claude';
const SCRIPT = [
  'echo "Opening browser to sign in…"',
  'echo "If the browser didn\'t open, visit: https://claude.ai/oauth/authorize?stand-in"',
  'printf "Paste code here if prompted > "',
  'read -r code',
  'if [ "$code" != "good-code#state" ]; then echo "Invalid code"; exit 1; fi',
  `printf '%s' '{"claudeAiOauth":{"accessToken":"sk-ant-oat01-e2e","refreshToken":"sk-ant-ort01-e2e","expiresAt":1900000000000,"scopes":["user:inference"],"subscriptionType":"max"}}' > ${CONFIG_DIR}/.credentials.json`,
  'echo "Login successful."',
].join('\n');

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-sign-in-');
  const dir = join(home, 'agents', 'claude');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'sign-in.sh'), `${SCRIPT}\n`, { mode: 0o755 });
  await writeFile(join(dir, 'Dockerfile'), `FROM ${TEST_BASE_IMAGE}\nCOPY sign-in.sh /usr/bin/sign-in.sh\n`);
  await writeFile(
    join(dir, 'agent.json'),
    JSON.stringify({
      description: 'Claude Code stand-in',
      command: ['sleep', '3600'],
      user: 'agent',
      transcriptDir: CONFIG_DIR,
      secretFiles: ['.credentials.json'],
      credentialSet: 'claude',
      signIn: { command: ['sh', '/usr/bin/sign-in.sh'], hosts: ['platform.claude.com:443', 'api.anthropic.com:443'] },
    }),
  );
  serve = await startServe(home);
});

test.afterAll(async () => {
  await serve?.stop();
  await removeE2eHome(home);
});

async function bothThemes(page: Page, name: string): Promise<void> {
  await page.emulateMedia({ colorScheme: 'light' });
  await screenshot(page, `${name}-light`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, `${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** This root's sign-in containers (running or not). */
async function signInContainers(): Promise<string> {
  const instance = (await readFile(join(home, 'instance-id'), 'utf8')).trim();
  return docker('ps', '-aq', '--filter', 'label=claude-bottle.sign-in', '--filter', `label=claude-bottle.instance=${instance}`);
}

test('Sign in in the header runs the sign-in flow in a terminal; the pasted code signs the app in; nothing is left', async ({ page }) => {
  await page.goto(serve.url);
  const chip = page.getByTestId('sign-in-chip');
  await expect(chip).toHaveText('Claude: not signed in', { timeout: 20_000 });
  await chip.click();
  const dialog = page.getByTestId('sign-in-dialog');
  await expect(dialog).toBeVisible();
  await bothThemes(page, 'sign-in-01-dialog');

  await dialog.getByTestId('sign-in-start').click();
  const terminal = dialog.getByTestId('sign-in-terminal');
  await expect(dialog.getByTestId('sign-in-terminal-state')).toHaveAttribute('data-state', 'attached', { timeout: 90_000 });
  await expect(terminal).toContainText('Paste code here if prompted', { timeout: 30_000 });
  await bothThemes(page, 'sign-in-02-terminal');

  await terminal.click();
  await page.keyboard.type('good-code#state');
  await page.keyboard.press('Enter');
  await expect(chip).toHaveText('Claude: subscription (max)', { timeout: 30_000 });
  await expect(terminal).toContainText('Signed in: subscription (max)');
  await expect(dialog.getByTestId('sign-in-terminal-state')).toHaveAttribute('data-state', 'ended');
  await expect(dialog).toContainText('.credentials.json');
  await bothThemes(page, 'sign-in-03-signed-in');
  await expect.poll(signInContainers, { timeout: 30_000 }).toBe('');
});

test('closing the dialog mid-way cancels the sign-in: nothing stored, its container removed', async ({ page }) => {
  await page.goto(serve.url);
  await page.getByTestId('sign-in-chip').click();
  const dialog = page.getByTestId('sign-in-dialog');
  await dialog.getByTestId('sign-in-start').click();
  await expect(dialog.getByTestId('sign-in-terminal')).toContainText('Paste code here if prompted', { timeout: 90_000 });
  expect(await signInContainers()).not.toBe('');
  // Escape in the terminal is the program's key: the dialog closes with its own button.
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect.poll(signInContainers, { timeout: 30_000 }).toBe('');
  // The login of the first test is still the one stored.
  await expect(page.getByTestId('sign-in-chip')).toHaveText('Claude: subscription (max)');
});
