import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { TEST_BASE_IMAGE } from './agents';
import { card, expectStatus, newestIdentity, openStartPanel } from './app-page';
import { removeAgentImages, removeBottles } from './docker';
import { createE2eHome, removeE2eHome } from './e2e-home';
import { projectsDir } from './flows';
import { startServe, type ServeProcess } from './serve-process';

const run = promisify(execFile);

/** A Changes spec's world: its own home with one scripted agent, a serve process, and what it started. */
export interface ChangesSuite {
  home(): string;
  url(): string;
  /** A new empty project folder under the home. */
  project(name: string): Promise<string>;
  /** Starts the agent in copy mode on `project` from the UI, waits for it to run; its identity. */
  startCopied(page: Page, project: string): Promise<string>;
  /** The same in mount mode: the agent works in `project` itself. */
  startMounted(page: Page, project: string): Promise<string>;
}

/**
 * Registers (serially) the home, the agent `agent` running `script` as user `agent` in the test
 * base image, and a serve process for the spec's tests, and removes them all (bottles first)
 * afterwards: the setup every Changes spec shares.
 */
export function useChangesSuite(agent: string, description: string, script: string): ChangesSuite {
  test.describe.configure({ mode: 'serial' });
  let home = '';
  let serve: ServeProcess | undefined;
  const started: string[] = [];
  test.beforeAll(async () => {
    home = await createE2eHome(`claude-bottle-e2e-${agent}-`);
    const dir = join(home, 'agents', agent);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'agent.sh'), script, { mode: 0o755 });
    await writeFile(join(dir, 'Dockerfile'), `FROM ${TEST_BASE_IMAGE}\nCOPY agent.sh /usr/bin/agent.sh\n`);
    await writeFile(
      join(dir, 'agent.json'),
      JSON.stringify({ description, command: ['sh', '/usr/bin/agent.sh'], workdir: '/workspace', user: 'agent' }),
    );
    serve = await startServe(home);
  });
  test.afterAll(async () => {
    await serve?.stop();
    await removeBottles(started);
    await removeAgentImages(agent);
    await removeE2eHome(home);
    await rm(projectsDir(home), { recursive: true, force: true });
  });
  const url = (): string => {
    if (serve === undefined) throw new Error('the serve process is not started');
    return serve.url;
  };
  const start = async (page: Page, project: string, mode: 'Copied' | 'Mounted'): Promise<string> => {
    await page.goto(url());
    await openStartPanel(page);
    await page.getByTestId('folder-input').fill(project);
    await page.getByTestId('agent-select').selectOption(agent);
    await page.getByRole('radio', { name: mode }).check();
    // A new one: this spec's earlier tests left bottles of the same agent (forks among them, which
    // this helper did not start), newest until this one's card shows. Every bottle made before the
    // click has its state folder already.
    const state = join(home, 'state');
    const before = new Set(existsSync(state) ? await readdir(state) : []);
    await page.getByTestId('start-button').click();
    const isNew = async (): Promise<boolean> => {
      const newest = await newestIdentity(page);
      return newest.startsWith(`${agent}-`) && !before.has(newest);
    };
    await expect.poll(isNew, { timeout: 90_000 }).toBe(true);
    const identity = await newestIdentity(page);
    started.push(identity);
    await expectStatus(page, identity, 'running', 90_000);
    return identity;
  };
  return {
    home: () => home,
    url,
    project: async (name) => {
      const project = join(projectsDir(home), name);
      await mkdir(project, { recursive: true });
      return project;
    },
    startCopied: async (page, project) => start(page, project, 'Copied'),
    startMounted: async (page, project) => start(page, project, 'Mounted'),
  };
}

/** Git as the operator, in `cwd`; its stdout. */
export async function operatorGit(cwd: string, ...args: string[]): Promise<string> {
  return (
    await run('git', ['-c', 'user.name=Operator', '-c', 'user.email=op@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd })
  ).stdout;
}

/** Makes `project` a repository with everything in it committed. */
export async function commitAll(project: string): Promise<void> {
  await operatorGit(project, 'init', '-q');
  await operatorGit(project, 'add', '.');
  await operatorGit(project, 'commit', '-qm', 'start');
}

/** Opens the bottle's Changes view; the view. */
export async function openChanges(page: Page, identity: string): Promise<Locator> {
  await card(page, identity).getByRole('button', { name: 'Changes' }).click();
  return page.getByTestId('changes-view');
}
