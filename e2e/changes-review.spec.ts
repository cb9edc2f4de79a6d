import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { commitAll, openChanges, useChangesSuite } from './helpers/changes-suite';
import { containerId, docker } from './helpers/docker';
import { screenshotBothThemes } from './helpers/screens';

const AGENT = 'review-agent';

/** One Python line of the project: line 2 and line 28 are the ones the agent changes. */
function line(n: number, agent: boolean): string {
  if (n === 2) return `total = compute(${agent ? 41 : 40})  # the answer`;
  if (n === 28) return `print('${agent ? 'done' : 'finished'}', total)`;
  return `value_${n} = ${n}`;
}

/**
 * An agent that edits two lines far apart in a 30-line Python file, then writes every line typed
 * into its terminal to /tmp/comments.txt (so the test can read what a review comment delivered).
 */
const SCRIPT = `cd /workspace
i=1; while [ $i -le 30 ]; do
  if [ $i -eq 2 ]; then echo "${line(2, true)}"; elif [ $i -eq 28 ]; then echo "${line(28, true)}"; else echo "value_$i = $i"; fi
  i=$((i+1))
done > app.py
while IFS= read -r typed; do printf '%s\\n' "$typed" >> /tmp/comments.txt; done
`;

const suite = useChangesSuite(AGENT, 'edits a Python file', SCRIPT);

test('review a change side by side and unified, open folded context, comment on a line to the agent', async ({ page }) => {
  const project = await suite.project('review');
  await writeFile(join(project, 'app.py'), Array.from({ length: 30 }, (_, i) => `${line(i + 1, false)}\n`).join(''));
  await commitAll(project);
  const identity = await suite.startCopied(page, project);

  const view = await openChanges(page, identity);
  // The file whole (its two changed lines counted), not caught half-written: the view would redraw under the test.
  await expect(view.getByTestId('changes-files').getByRole('option')).toHaveText([/app\.py.*\+2.*−2/], { timeout: 60_000 });
  await view
    .getByTestId('changes-files')
    .getByRole('option', { name: /app\.py/ })
    .click();

  // Side by side: the start's version left, the agent's right; the changed words marked, Python coloured.
  const code = view.getByTestId('code-diff');
  await expect(code).toHaveAttribute('data-layout', 'split', { timeout: 30_000 });
  // Only the changed characters are marked within a changed line (40 → 41: the last digit).
  await expect(code.locator('.cm-merge-a .cm-changedLine', { hasText: 'compute(40)' }).locator('.cm-changedText')).toHaveText(['0']);
  await expect(code.locator('.cm-merge-b .cm-changedLine', { hasText: 'compute(41)' }).locator('.cm-changedText')).toHaveText(['1']);
  // Syntax colouring: the string's pieces (split by the change marks) are all string tokens. The
  // parser colours in idle time (later on a loaded machine): waited for, not read once.
  const strings = code.locator('.cm-merge-b .cm-line', { hasText: "print('done'" }).locator('.tok-string');
  await expect.poll(async () => (await strings.allTextContents()).join(''), { timeout: 30_000 }).toBe("'done'");
  await expect(code.locator('.cm-merge-b .tok-comment').first()).toHaveText('# the answer', { timeout: 30_000 });
  // The unchanged middle is folded; a click opens it.
  const folded = code.locator('.cm-merge-b .cm-collapsedLines');
  await expect(folded).toHaveCount(1);
  await expect(code.locator('.cm-merge-b .cm-line', { hasText: 'value_15 = 15' })).toHaveCount(0);
  await code.scrollIntoViewIfNeeded();
  await screenshotBothThemes(page, '24-changes-side-by-side');
  await folded.click();
  await expect(code.locator('.cm-merge-b .cm-line', { hasText: 'value_15 = 15' })).toHaveCount(1);

  // Unified: the agent's version with the removed lines between.
  await view.getByTestId('diff-layout-unified').click();
  await expect(code).toHaveAttribute('data-layout', 'unified');
  await expect(code.locator('.cm-deletedChunk').first()).toContainText('compute(40)');
  await expect(code.locator('.cm-line', { hasText: 'compute(41)' })).toHaveCount(1);
  await screenshotBothThemes(page, '25-changes-unified');

  // Comment on a line: a click on it picks the line; the note reaches the agent's terminal.
  await view.getByTestId('diff-layout-split').click();
  await code.locator('.cm-merge-b .cm-line', { hasText: "print('done'" }).click();
  await expect(view.getByTestId('review-comment-line')).toHaveValue('28');
  await view.getByTestId('review-comment-text').fill('say finished, as before');
  await view.getByTestId('review-comment-send').click();
  const expected = 'Review comment on app.py:28: say finished, as before';
  await expect(view.getByTestId('review-comment-sent')).toHaveText(`Sent to the agent: ${expected}`, { timeout: 30_000 });
  await expect(view.getByTestId('review-comment-text')).toHaveValue('');
  const id = await containerId(identity);
  await expect.poll(() => docker('exec', id, 'cat', '/tmp/comments.txt').catch(() => ''), { timeout: 30_000 }).toBe(expected);
  await view.getByTestId('review-comment').scrollIntoViewIfNeeded();
  await screenshotBothThemes(page, '26-changes-comment-sent');

  // A comment on the whole file: the line emptied.
  await view.getByTestId('review-comment-line').fill('');
  await view.getByTestId('review-comment-text').fill('add a test for compute');
  await view.getByTestId('review-comment-send').click();
  await expect
    .poll(() => docker('exec', id, 'cat', '/tmp/comments.txt').catch(() => ''), { timeout: 30_000 })
    .toBe(`${expected}\nReview comment on app.py: add a test for compute`);
});
