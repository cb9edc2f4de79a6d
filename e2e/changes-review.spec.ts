import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { TEST_BASE_IMAGE } from './helpers/agents';
import { card, expectStatus, newestIdentity } from './helpers/app-page';
import { containerId, docker, removeAgentImages, removeBottles } from './helpers/docker';
import { projectsDir } from './helpers/flows';
import { screenshotBothThemes } from './helpers/screens';
import { startServe, type ServeProcess } from './helpers/serve-process';
import { createE2eHome, removeE2eHome } from './helpers/e2e-home';

const run = promisify(execFile);
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

test.describe.configure({ mode: 'serial' });

let home = '';
let serve: ServeProcess;
const started: string[] = [];

test.beforeAll(async () => {
  home = await createE2eHome('claude-bottle-e2e-review-');
  const dir = join(home, 'agents', AGENT);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'agent.sh'), SCRIPT, { mode: 0o755 });
  await writeFile(join(dir, 'Dockerfile'), `FROM ${TEST_BASE_IMAGE}\nCOPY agent.sh /usr/bin/agent.sh\n`);
  await writeFile(
    join(dir, 'agent.json'),
    JSON.stringify({ description: 'edits a Python file', command: ['sh', '/usr/bin/agent.sh'], workdir: '/workspace', user: 'agent' }),
  );
  serve = await startServe(home);
});

test.afterAll(async () => {
  await serve?.stop();
  await removeBottles(started);
  await removeAgentImages(AGENT);
  await removeE2eHome(home);
  await rm(projectsDir(home), { recursive: true, force: true });
});

test('review a change side by side and unified, open folded context, comment on a line to the agent', async ({ page }) => {
  const project = join(projectsDir(home), 'review');
  await mkdir(project, { recursive: true });
  await writeFile(join(project, 'app.py'), Array.from({ length: 30 }, (_, i) => `${line(i + 1, false)}\n`).join(''));
  const git = (...args: string[]): Promise<unknown> =>
    run('git', ['-c', 'user.name=Operator', '-c', 'user.email=op@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: project });
  await git('init', '-q');
  await git('add', '.');
  await git('commit', '-qm', 'start');

  await page.goto(serve.url);
  await page.getByTestId('folder-input').fill(project);
  await page.getByTestId('agent-select').selectOption(AGENT);
  await page.getByRole('radio', { name: 'Copied' }).check();
  await page.getByTestId('start-button').click();
  await expect.poll(async () => (await newestIdentity(page)).startsWith(`${AGENT}-`), { timeout: 90_000 }).toBe(true);
  const identity = await newestIdentity(page);
  started.push(identity);
  await expectStatus(page, identity, 'running', 90_000);

  await card(page, identity).getByRole('button', { name: 'Changes' }).click();
  const view = page.getByTestId('changes-view');
  await expect(view.getByTestId('changes-files').getByRole('option')).toHaveText([/app\.py/], { timeout: 60_000 });
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
  // Syntax colouring: the string's pieces (split by the change marks) are all string tokens.
  const strings = code.locator('.cm-merge-b .cm-line', { hasText: "print('done'" }).locator('.tok-string');
  expect((await strings.allTextContents()).join('')).toBe("'done'");
  await expect(code.locator('.cm-merge-b .tok-comment').first()).toHaveText('# the answer');
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
