import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listAgents } from '../../src/core/agents/agents';
import { trustProjectAgent, reviewProjectAgent } from '../../src/core/agents/project-agent-review';
import { currentSecretPlacements } from '../../src/core/credentials/secret-placements';
import { parseJson } from '../../src/core/base/parse-json';
import { settled } from '../../src/core/base/settled';
import { collectHostConfig } from '../../src/core/bottles/host-config';
import { isDirectory } from '../../src/core/fs/is-directory';
import { historyCount } from '../../src/core/rebuild/journal';
import { rebuildViewFields } from '../../src/core/rebuild/view-fields';
import { bottlePaths, claudeBottleRoot } from '../../src/core/state/state-paths';
import { startServeServer, type ServedCore } from '../../src/serve/serve-server';
import { readStaticFile } from '../../src/serve/static-files';
import { makeStateBottle } from '../helpers/rebuild-fixtures';
import { useTempHome } from '../helpers/temp-home';
import { useTempProject } from '../helpers/temp-project';

// The tests run as root, where chmod 000 stops nothing: the errors used are ones root meets too,
// a link that loops (ELOOP), a name too long for the file system (ENAMETOOLONG), a folder gone.
useTempHome();
const project = useTempProject();
const TOO_LONG = 'x'.repeat(300);

describe('the helpers that say what a catch means', () => {
  it('parseJson: text that is no JSON is undefined, every JSON value is itself', () => {
    expect(parseJson('{"a":1}')).toEqual({ a: 1 });
    expect(parseJson('null')).toBeNull();
    for (const text of ['', '{', 'undefined', '{"torn": tr']) expect(parseJson(text)).toBeUndefined();
  });

  it('settled: waits for the end either way, while the step keeps its error for its own caller', async () => {
    const step = Promise.reject(new Error('the step failed'));
    await expect(settled(step)).resolves.toBeUndefined();
    await expect(step).rejects.toThrow('the step failed');
  });

  it('isDirectory: missing, below a file, or a loop is "no folder"; any other failure is said', async () => {
    const root = claudeBottleRoot();
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'a-file'), '');
    await symlink(join(root, 'loop'), join(root, 'loop'));
    expect(await isDirectory(root)).toBe(true);
    for (const path of [join(root, 'none'), join(root, 'a-file'), join(root, 'a-file', 'below'), join(root, 'loop')])
      expect(await isDirectory(path)).toBe(false);
    await expect(isDirectory(join(root, TOO_LONG))).rejects.toThrow(/^ENAMETOOLONG/);
  });
});

describe('a real read error surfaces instead of reading as none', () => {
  it('the approval history: the card says it could not be read, instead of "no decisions"', async () => {
    const identity = await makeStateBottle();
    expect(await historyCount(identity)).toBe(0);
    const journal = bottlePaths(identity).journal;
    await symlink(journal, journal);
    await expect(historyCount(identity)).rejects.toThrow(/^ELOOP/);
    const view = await rebuildViewFields(identity);
    expect(view.historyCount).toBe(0);
    expect(view.warnings).toEqual([
      {
        file: 'the approval history',
        message: expect.stringMatching(/^could not be read: ELOOP/) as string,
        at: expect.any(String) as string,
      },
    ]);
  });

  it('the agent list: a project agent whose trust record cannot be read fails the list, instead of vanishing from it', async () => {
    const agentDir = join(project(), '.claude-bottle', 'agents', 'claude');
    await mkdir(agentDir, { recursive: true });
    await writeFile(join(agentDir, 'agent.json'), JSON.stringify({ command: ['sh'] }));
    await writeFile(join(agentDir, 'Dockerfile'), 'FROM base\n');
    // A broken project agent (the repository's) is still passed over: it must not hide the others.
    await mkdir(join(project(), '.claude-bottle', 'agents', 'broken'), { recursive: true });
    const review = await reviewProjectAgent('project:claude', project(), currentSecretPlacements);
    await trustProjectAgent('project:claude', project(), review.contextHash, 'tester');
    const listed = (await listAgents(project())).filter((agent) => agent.source === 'project');
    expect(listed).toEqual([expect.objectContaining({ name: 'project:claude', trust: 'trusted' })]);
    const records = join(claudeBottleRoot(), 'trust', 'project-agents');
    const [record] = await readdir(records);
    await rm(join(records, record as string));
    await mkdir(join(records, record as string));
    await expect(listAgents(project())).rejects.toThrow(/cannot read the trust record .*: not a regular file/);
  });

  it("the operator's setup folder: one that loops is said at launch, instead of quietly copying nothing", async () => {
    const hostHome = await mkdtemp(join(tmpdir(), 'claude-bottle-host-home-'));
    try {
      const spec = { from: '.claude', copy: ['settings.json'], append: [] };
      expect(await collectHostConfig(spec, [], hostHome)).toEqual({ dirs: [], files: [], appends: [], copied: [], skipped: [] });
      await symlink(join(hostHome, '.claude'), join(hostHome, '.claude'));
      await expect(collectHostConfig(spec, [], hostHome)).rejects.toThrow(/^ELOOP/);
    } finally {
      await rm(hostHome, { recursive: true, force: true });
    }
  });
});

describe('serve: a build folder that is gone is an error, not a page "not found"', () => {
  it('reads as 404 only what the browser asked for that is not there; a lost build is a 500 and a line on stderr', async () => {
    const rendererDir = await mkdtemp(join(tmpdir(), 'claude-bottle-renderer-'));
    await writeFile(join(rendererDir, 'index.html'), '<!doctype html>');
    expect(await readStaticFile(rendererDir, '/nothing-here.js')).toBeNull();
    expect(await readStaticFile(rendererDir, '/%E0%A4%A')).toBeNull();
    expect(await readStaticFile(rendererDir, `/${TOO_LONG}`)).toBeNull();
    const internal: unknown[] = [];
    const core: ServedCore = {
      openClient: () => {
        throw new Error('no client in this test');
      },
    };
    const server = await startServeServer({ core, port: 0, rendererDir, onInternalError: (error) => internal.push(error) });
    try {
      const status = (): Promise<number> =>
        new Promise((resolve, reject) => {
          const req = httpRequest(
            { host: '127.0.0.1', port: server.port, path: '/', headers: { Cookie: `claude_bottle_token_${server.port}=${server.token}` } },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', reject);
          req.end();
        });
      expect(await status()).toBe(200);
      await rm(rendererDir, { recursive: true, force: true });
      expect(await status()).toBe(500);
      expect(internal).toEqual([expect.objectContaining({ code: 'ENOENT' })]);
      await expect(readStaticFile(rendererDir, '/')).rejects.toThrow(/^ENOENT/);
    } finally {
      await server.close();
      await rm(rendererDir, { recursive: true, force: true });
    }
  });
});
