import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { NetworkLogEntry } from '../src/shared/network-view';
import { writeTestSettings } from '../test/helpers/test-settings';
import { bottlePanel, row, shootBoth, showRows } from './helpers/cockpit-page';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';
import { startServe, type ServeProcess } from './helpers/serve-process';

/*
 * The Network tab (issue 19) as the real renderer, behind the real `serve`, shows a bottle's
 * connection log from its state folder: the rows (only those in view in the page), the host
 * filter and the decision chips, the keyboard, and the empty state that says the gateway is off.
 * Records arriving live through a real gateway are test/docker/network-log-live.test.ts.
 */

const WITH_LOG = 'nettab-a1b2c';
const WITHOUT_LOG = 'nettab-d3e4f';
const RECORDS = 400;
let home = '';
let serve: ServeProcess;

function record(index: number): NetworkLogEntry {
  const hosts = ['api.anthropic.com', 'registry.npmjs.org', 'github.com', 'statsig.anthropic.com', 'pastebin.com'];
  const host = hosts[index % hosts.length] as string;
  const refused = host === 'pastebin.com';
  return {
    time: new Date(Date.UTC(2026, 11, 3, 9, 0, index)).toISOString(),
    event: refused ? 'refused' : 'end',
    host,
    port: 443,
    protocol: 'connect',
    decision: refused ? 'deny' : 'allow',
    by: refused ? (index % 2 === 0 ? 'operator' : 'timeout') : 'rule',
    reason: refused
      ? `pastebin.com:443 is not allowed for this bottle; allow it with: claude-bottle allow ${WITH_LOG} pastebin.com:443`
      : `agent: ${host}:443`,
    bytesUp: refused ? 0 : 900 + index * 37,
    bytesDown: refused ? 0 : 20_000 + index * 5_311,
  };
}

async function seedBottle(identity: string, log: NetworkLogEntry[]): Promise<void> {
  const dir = join(home, 'state', identity);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'metadata.json'),
    JSON.stringify({
      identity,
      agent_name: 'claude',
      cwd: '/home/operator/projects/shop',
      copy_cwd: true,
      started_at: '2026-12-03T08:00:00+00:00',
    }),
  );
  await writeFile(join(dir, 'ready-to-resume.json'), JSON.stringify({ reason: 'stopped', at: '2026-12-03T09:30:00.000Z' }));
  if (log.length > 0) await writeFile(join(dir, 'network-log.jsonl'), log.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
}

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-nettab-');
  // The gateway is on by default; this root turns it off to see what the tab says then (the seeded
  // records are from before). Records arriving live are network-log-live.test.ts's.
  await writeTestSettings({ gatewayNetwork: false }, join(home, 'settings.json'));
  await seedBottle(
    WITH_LOG,
    Array.from({ length: RECORDS }, (_unused, index) => record(index)),
  );
  await seedBottle(WITHOUT_LOG, []);
  serve = await startServe(home);
});

test.afterAll(async () => {
  await serve?.stop();
  await removeE2eHome(home);
});

async function openNetworkTab(page: Page, identity: string): Promise<void> {
  await row(page, identity).getByRole('button', { name: identity }).click();
  await bottlePanel(page).getByTestId('tab-network').click();
}

test('the Network tab lists the connection log, filters it, moves by keyboard, and says when the gateway is off', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(serve.url);
  await page.getByTestId('filter-input').fill('nettab-');
  await showRows(page);
  await expect(row(page, WITH_LOG)).toBeVisible({ timeout: 30_000 });

  // No record and the gateway off: the tab says what it will show, and why it shows nothing.
  await openNetworkTab(page, WITHOUT_LOG);
  const panel = bottlePanel(page);
  const empty = panel.getByTestId('net-empty');
  await expect(empty).toContainText('The network gateway is off');
  await expect(empty).toContainText('who allowed or refused it');
  await expect(panel.getByTestId('net-status')).toHaveText('Nothing recorded: the network gateway is off.');
  await shootBoth(page, '40-network-empty');

  // All 400 records, the newest at the bottom and in view; only a screenful in the page.
  await openNetworkTab(page, WITH_LOG);
  const rows = panel.getByTestId('net-rows');
  await expect(rows).toHaveAttribute('data-count', String(RECORDS));
  expect(await panel.getByTestId('net-row').count()).toBeLessThan(80);
  const last = record(RECORDS - 1);
  await expect(panel.getByTestId('net-row').last()).toContainText(`${last.host}:443`);
  await expect(panel.getByTestId('net-status')).toHaveText(
    '400 connections from before: the network gateway is off, nothing new is recorded.',
  );
  await expect(panel.getByTestId('net-chip-deny')).toContainText(String(RECORDS / 5));
  await shootBoth(page, '41-network-log');

  // The refused ones, with who refused and the one-line reason.
  await panel.getByTestId('net-chip-deny').click();
  await expect(rows).toHaveAttribute('data-count', String(RECORDS / 5));
  await expect(panel.getByTestId('net-row').last()).toContainText('refused');
  await expect(panel.getByTestId('net-row').last()).toContainText('claude-bottle allow');
  await shootBoth(page, '42-network-refused');

  // A host filter on top of the chip: nothing refused matches github; with All, 80 do.
  await panel.getByTestId('net-filter').fill('GitHub.com:4');
  await expect(panel.getByTestId('net-empty')).toHaveText('No connection matches the filter.');
  await panel.getByTestId('net-chip-all').click();
  await expect(rows).toHaveAttribute('data-count', String(RECORDS / 5));
  await expect(panel.getByTestId('net-status')).toHaveText(/^80 of 400 connections from before/);

  // The keyboard: Home selects the first row, arrows move, End the last.
  await rows.focus();
  await page.keyboard.press('Home');
  await expect(rows).toHaveAttribute('aria-activedescendant', 'net-row-0');
  await page.keyboard.press('ArrowDown');
  await expect(rows).toHaveAttribute('aria-activedescendant', 'net-row-1');
  await page.keyboard.press('End');
  await expect(rows).toHaveAttribute('aria-activedescendant', `net-row-${RECORDS / 5 - 1}`);
  await expect(panel.locator('.net-row.is-current')).toContainText('github.com:443');
});
