import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ensureTestNodeBaseImage, TEST_NODE_BASE_IMAGE } from '../test/helpers/node-base-image';
import { rawDocker } from '../test/helpers/raw-docker';
import { writeScriptAgent } from './helpers/agents';
import { card, expectStatus, openStartPanel } from './helpers/app-page';
import { removeAgentImages, removeBottles } from './helpers/docker';
import { projectsDir } from './helpers/flows';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';
import { startOutside, type OutsideServer } from './helpers/outside-server';
import { screenshot } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';

/*
 * Live approval of network requests (issue 19) in the app, on the real engine and the real gateway:
 * the bottle's agent connects to an outside server; the held connection shows on the card, Allow
 * there lets that very connection through; the next one, answered from the approval panel by
 * keyboard alone (Deny), fails with the gateway's readable 403.
 */

test.describe.configure({ mode: 'serial' });

const AGENT = 'net-agent';
const TAG = 'approval';
// A public subnet of this spec's own (another test's is 11.213.77.0/29): the host's address there is the outside.
const SUBNET = '11.219.42.0/29';
const PUBLIC_HOST = '11.219.42.1';

/**
 * The stand-in agent: on start it fetches the URL in the project's `.fetch` once (busybox wget,
 * through the HTTP_PROXY the bottle is given), then sends one raw request for `/second` through
 * the same proxy, so the refusal's body can be read (wget does not print it). Each result lands in
 * the mounted project folder, where the spec reads it.
 */
const SCRIPT = `
if [ "$1" = start ] && [ -f /workspace/.fetch ]; then
  url=$(cat /workspace/.fetch)
  wget -q -O /workspace/first.out "$url/first" 2>/workspace/first.err; echo "exit=$?" > /workspace/first.done
  proxy=\${HTTP_PROXY#http://}; proxy=\${proxy%/}
  target=\${url#http://}
  # busybox nc half-closes when its input ends, and the gateway drops a held request whose client
  # went: the input stays open until the answer has come (or the hold is long over).
  (printf 'GET %s/second HTTP/1.1\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n' "$url" "$target"; sleep 90) |
    nc "\${proxy%:*}" "\${proxy##*:}" > /workspace/second.out 2>&1 &
  i=0; while [ ! -s /workspace/second.out ] && [ $i -lt 90 ]; do sleep 1; i=$((i + 1)); done
  sleep 1; echo answered > /workspace/second.done
fi
exec sh -i
`;

async function writeNetAgent(home: string): Promise<void> {
  await writeScriptAgent(home, AGENT, SCRIPT, 'e2e agent that reaches the outside');
}

let home = '';
let serve: ServeProcess | null = null;
let outside: OutsideServer | null = null;
const started: string[] = [];

test.beforeAll(async () => {
  test.setTimeout(180_000);
  // The gateway on (the default), built FROM the test node base (no registry here).
  home = await createE2eHome('claude-bottle-e2e-net-');
  await writeNetAgent(home);
  await ensureTestNodeBaseImage(rawDocker());
  outside = await startOutside(TEST_NODE_BASE_IMAGE, TAG, SUBNET, PUBLIC_HOST);
  serve = await startServe(home);
});

test.afterAll(async () => {
  await serve?.stop();
  await removeBottles(started);
  await outside?.stop();
  await removeAgentImages(AGENT);
  await rm(projectsDir(home), { recursive: true, force: true });
  await removeE2eHome(home);
});

async function readOr(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

/** Light and dark screenshots of the page as it is now. */
async function shots(page: Page, name: string): Promise<void> {
  await screenshot(page, `${name}-light`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, `${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
}

test('a held connection is allowed from the card, the next one denied from the approval panel by keyboard', async ({ page }) => {
  test.setTimeout(300_000);
  const server = outside as OutsideServer;
  const url = `http://${server.host}:${server.port}`;
  const project = join(projectsDir(home), 'reach-out');
  await mkdir(project, { recursive: true });
  await writeFile(join(project, '.fetch'), url);

  await page.goto((serve as ServeProcess).url);
  await expect(page.getByTestId('engine-chip')).toContainText('Docker', { timeout: 20_000 });
  await openStartPanel(page);
  await page.getByTestId('folder-input').fill(project);
  await page.getByTestId('agent-select').selectOption(AGENT);
  await page.getByRole('radio', { name: 'Mounted' }).check();
  await page.getByTestId('start-button').click();
  const first = page.getByTestId('bottle-card').first();
  await expect(first).toBeVisible({ timeout: 120_000 });
  const identity = (await first.getAttribute('data-identity')) ?? '';
  started.push(identity);
  expect(identity).toMatch(new RegExp(`^${AGENT}-[a-z0-9]{5}$`));
  await expectStatus(page, identity, 'running', 120_000);

  // 1. The agent's first connection is held: on the card, in the title count.
  const area = card(page, identity).getByTestId('network-request');
  const target = `${server.host}:${server.port}`;
  await expect(area).toContainText(target, { timeout: 60_000 });
  await expect(page).toHaveTitle(/^\(1\) approval waiting/);
  expect(await readOr(join(project, 'first.done'))).toBe('');
  await shots(page, 'net-01-card-held');

  // Allow from the card: the SAME connection goes on (the agent made one, and it succeeded).
  const firstId = (await area.getAttribute('data-request-id')) ?? '';
  await area.getByRole('button', { name: 'Allow', exact: true }).click();
  await expect.poll(() => readOr(join(project, 'first.done')), { timeout: 30_000 }).toBe('exit=0\n');
  expect(await readOr(join(project, 'first.out'))).toBe('hello from the outside /first\n');
  expect(await server.hits()).toEqual(['/first']);

  // 2. The next connection (allowed once is once) is held again; keyboard only from here.
  await expect(area).toHaveAttribute('data-request-id', /.+/, { timeout: 30_000 });
  await expect(area).not.toHaveAttribute('data-request-id', firstId);
  const secondId = (await area.getAttribute('data-request-id')) ?? '';
  await expect(area).toContainText(target);
  await expect(page).toHaveTitle(/^\(1\) approval waiting/);
  await page.keyboard.press('a');
  const panel = page.getByTestId('approval-panel');
  const held = panel.getByTestId('network-held');
  await expect(held).toHaveCount(1);
  await expect(held).toHaveAttribute('data-request-id', secondId);
  await expect(held).toContainText(`wants to reach ${target}`);
  for (const name of ['Allow once', 'Allow for this bottle', 'Allow for this agent', 'Deny'])
    await expect(held.getByRole('button', { name: new RegExp(`^${name}`) })).toBeVisible();
  await expect(page.getByTestId('side-panel').getByRole('button', { name: /Close/ })).toBeFocused();
  await shots(page, 'net-02-panel-held');

  await page.keyboard.press('d');
  await expect(page.getByTestId('side-panel')).toBeHidden({ timeout: 15_000 });
  await expect.poll(() => readOr(join(project, 'second.done')), { timeout: 30_000 }).toBe('answered\n');
  const refused = await readOr(join(project, 'second.out'));
  expect(refused).toMatch(/^HTTP\/1\.1 403/);
  expect(refused).toContain(`claude-bottle gateway: ${target} is not allowed for this bottle (denied by the operator).`);
  expect(refused).toContain(`claude-bottle allow ${identity} ${target}`);
  // Denied never reached the outside; nothing waits any more.
  expect(await server.hits()).toEqual(['/first']);
  await expect(card(page, identity).getByTestId('network-request')).toHaveCount(0);
  await expect(page).toHaveTitle(/^Claude Bottle$/);
  await shots(page, 'net-03-answered');

  // The `?` help lists the panel's keys, from the same table the buttons are made from.
  await page.keyboard.press('?');
  await expect(page.getByTestId('approval-keys')).toContainText('Shift+A');
  await shots(page, 'net-04-keyboard-help');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('keyboard-help')).toBeHidden();
});
