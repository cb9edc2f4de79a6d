import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { JournalEntry } from '../src/shared/bottle-view';
import type { TimelineEvent } from '../src/shared/timeline';
import { card } from './helpers/app-page';
import { openChanges, useChangesSuite } from './helpers/changes-suite';
import { screenshotBothThemes } from './helpers/screens';

const AGENT = 'timeline-agent';
const SCRIPT = `cd /workspace
echo 'written by the agent' > agent.txt
exec sh -i
`;

const suite = useChangesSuite(AGENT, 'writes a file', SCRIPT);

/**
 * Two Dockerfile decisions as the journal holds them (a bottle's journal from before the timeline,
 * or written by another process): the Timeline merges them in by time, with their diffs.
 */
function decision(at: string, decided: JournalEntry['decision'], requestId: string, diff: string): JournalEntry {
  return { at, decision: decided, requestId, reason: `needs ${requestId}`, diff, imageId: null, message: null, by: 'operator' };
}

/** A Dockerfile diff adding one line, as the journal keeps it. */
function unified(line: string): string {
  return `--- Dockerfile\n+++ Dockerfile\n@@ -1 +1,2 @@\n FROM base\n+${line}\n`;
}

test('the Timeline tab lists every event in order, filters by kind from the keyboard, opens a diff and a checkpoint, and exports JSON Lines', async ({
  page,
}) => {
  const project = await suite.project('timeline');
  await writeFile(join(project, 'start.txt'), 'start\n');
  const identity = await suite.startCopied(page, project);
  await card(page, identity).getByRole('button', { name: 'Checkpoint', exact: true }).click();
  await expect(page.getByTestId('notice').filter({ hasText: `of ${identity} taken` })).toBeVisible({ timeout: 60_000 });
  const now = Date.now();
  await appendFile(
    join(suite.home(), 'state', identity, 'journal.jsonl'),
    [
      decision(new Date(now + 1000).toISOString(), 'rejected', 'req-jq', unified('RUN apk add jq')),
      decision(new Date(now + 2000).toISOString(), 'approved', 'req-curl', unified('RUN apk add curl')),
    ]
      .map((entry) => `${JSON.stringify(entry)}\n`)
      .join(''),
  );

  await openChanges(page, identity);
  await page.getByTestId('tab-history').click();
  await expect(page.getByTestId('tab-history')).toHaveText('Timeline');
  const events = page.getByTestId('timeline-event');
  await expect(events.first()).toBeVisible({ timeout: 30_000 });
  const kinds = async (): Promise<string[]> => events.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-kind') ?? ''));
  await expect.poll(kinds, { timeout: 30_000 }).toEqual(['start', 'checkpoint', 'decision', 'decision']);
  await expect(events.nth(2)).toContainText('rejected: dockerfile req-jq');
  await expect(events.nth(3)).toContainText('by operator');
  await screenshotBothThemes(page, '50-timeline');

  // The diff of a decision, and the checkpoint of its event: id, name, size and the way back.
  await events.nth(3).getByTestId('timeline-diff').locator('summary').click();
  await expect(events.nth(3).locator('.diff-line[data-kind="add"] .diff-text')).toContainText(['RUN apk add curl']);
  await events.nth(1).getByTestId('timeline-checkpoint').locator('summary').click();
  const facts = events.nth(1).locator('.timeline-facts');
  await expect(facts).toContainText(/\d{8}-\d{6}-[a-z0-9]{5}/);
  await expect(facts).toContainText(`claude-bottle restore ${identity}`);
  await screenshotBothThemes(page, '51-timeline-opened');

  // Filter from the keyboard: Tab to a chip, Space to toggle it; All brings everything back.
  await page.getByTestId('timeline-chip-all').focus();
  // The chips follow the kinds' order: All, start, decision, checkpoint.
  for (let step = 0; step < 3; step += 1) await page.keyboard.press('Tab');
  await expect(page.getByTestId('timeline-chip-checkpoint')).toBeFocused();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('timeline-chip-checkpoint')).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(kinds).toEqual(['checkpoint']);
  await page.getByTestId('timeline-chip-decision').click();
  await expect.poll(kinds).toEqual(['checkpoint', 'decision', 'decision']);
  await screenshotBothThemes(page, '52-timeline-filtered');
  await page.getByTestId('timeline-chip-all').focus();
  await page.keyboard.press('Enter');
  await expect.poll(kinds).toEqual(['start', 'checkpoint', 'decision', 'decision']);

  // Export: the same events, as JSON Lines, through the core function the CLI's --export uses.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('timeline-export').click()]);
  expect(download.suggestedFilename()).toBe(`${identity}-timeline.jsonl`);
  const text = await readFile(await download.path(), 'utf8');
  const exported = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as TimelineEvent);
  expect(exported.map((event) => event.kind)).toEqual(['start', 'checkpoint', 'decision', 'decision']);

  // A checkpoint event jumps to its row in the Checkpoints tab.
  const checkpointId = exported[1]?.checkpoint?.id ?? '';
  const details = events.nth(1).getByTestId('timeline-checkpoint');
  // The filters above re-rendered the list: the event's details may be folded again.
  if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
  await details.getByTestId('timeline-show-checkpoint').click();
  await expect(page.getByTestId('tab-checkpoints')).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator(`[data-testid="checkpoint-row"][data-id="${checkpointId}"]`)).toHaveAttribute('data-focused', 'true');
  await screenshotBothThemes(page, '53-timeline-to-checkpoint');
});
