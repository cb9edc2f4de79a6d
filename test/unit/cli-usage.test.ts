import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeStateBottle, writeRequest } from '../helpers/rebuild-fixtures';
import { CLI_BIN, runCli, type CliResult } from '../helpers/run-cli';
import { useTempHome } from '../helpers/temp-home';

// Issue 22 (12): what a newcomer meets first at the command line. The real bin, its bundle built by the global setup.
const home = useTempHome();
const cli = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => runCli(args, { CLAUDE_BOTTLE_HOME: home(), ...env });

/** A Docker socket path where nothing listens: the engine is down. */
const DOWN_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/claude-bottle-test/docker.sock', DOCKER_CONTEXT: undefined };

describe('claude-bottle --version', () => {
  it.each([['--version'], ['-V']])('%s prints the package version and exits 0', async (flag) => {
    const { version } = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const result = await cli([flag]);
    expect(result).toMatchObject({ code: 0, stdout: `claude-bottle ${version}\n`, stderr: '' });
  });
});

describe('an unknown or malformed flag', () => {
  it.each([
    [['ls', '--bogus'], 'claude-bottle: unknown option --bogus (usage: claude-bottle ls [--json])'],
    [['show', 'x', '-z'], 'claude-bottle: unknown option -z (usage: claude-bottle show <identity> [--json])'],
    [['inspect', 'x', '--env'], 'claude-bottle: unknown option --env (usage: claude-bottle inspect <identity> [--raw] [--json])'],
    [
      ['inspect', 'x', '--raw', '--json'],
      'claude-bottle: --raw and --json are two outputs: give one (usage: claude-bottle inspect <identity> [--raw] [--json])',
    ],
    [['ls', '--json=yes'], 'claude-bottle: --json takes no value (usage: claude-bottle ls [--json])'],
    [['serve', '--port'], 'claude-bottle: --port needs a value (usage: claude-bottle serve [--port N])'],
    [
      ['logs', 'x', '--tail', '-5'],
      'claude-bottle: --tail needs a value (one starting with "-" is given as --tail=VALUE) (usage: claude-bottle logs <identity> [--follow] [--tail N])',
    ],
  ])('%j gets one usage line, none of the parser text', async (args, line) => {
    const result = await cli(args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${line}\n`);
  });
});

describe('claude-bottle --help', () => {
  it('starts every description in one column and keeps every line within 120 characters', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const rows = lines.filter((line) => /^ {2}\S/.test(line) && / {2}\S/.test(line.slice(2)));
    expect(rows.length).toBeGreaterThan(15);
    // Where the description starts: the first run of two spaces after the synopsis.
    const columns = new Set(rows.map((line) => 2 + line.slice(2).search(/ {2}\S/) + 2));
    expect([...columns]).toHaveLength(1);
    const column = [...columns][0] ?? 0;
    // Continuation lines of a description start in that column too.
    for (const line of lines.filter((text) => /^ {5,}\S/.test(text))) expect(line.search(/\S/), line).toBe(column);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(120);
    expect(result.stdout).toMatch(/^ {2}--version, -V +print the version$/m);
  });
});

describe('an identity that names no bottle', () => {
  it.each([
    ['show'],
    ['inspect'],
    ['resume', '--detach'],
    ['approve', '--yes'],
    ['reject'],
    ['net'],
    ['allow', 'example.com'],
    ['deny', 'example.com'],
    ['stop'],
    ['rm'],
    ['attach'],
    ['send', 'hello'],
    ['logs'],
    ['diff'],
    ['apply'],
    ['export', '--patch', '/nonexistent/out.patch'],
  ])('%s says "no bottle <id>"', async (command, ...rest) => {
    const result = await cli([command, 'ghost-zzzzz', ...rest]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^claude-bottle: no bottle ghost-zzzzz \(no container, no state under .*\)\n$/);
  });

  it('answer says "no bottle <id>", not that the bottle has no such question', async () => {
    const result = await cli(['answer', 'ghost-zzzzz', 'perm-1', 'allow']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^claude-bottle: no bottle ghost-zzzzz \(no container, no state under .*\)\n$/);
  });
});

describe('claude-bottle ls with the engine down', () => {
  it('lists the bottles of the state folder and says on stderr that the engine did not answer', async () => {
    const identity = await makeStateBottle();
    const result = await cli(['ls'], DOWN_ENGINE);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(identity);
    expect(result.stderr).toBe('claude-bottle: engine default is not reachable; its bottles are listed from the state folder only\n');
    const json = await cli(['ls', '--json'], DOWN_ENGINE);
    expect((JSON.parse(json.stdout) as { identity: string }[]).map((view) => view.identity)).toEqual([identity]);
    expect(json.stderr).toContain('engine default is not reachable');
  });

  it('with no bottles still says why the list may be empty', async () => {
    const result = await cli(['ls'], DOWN_ENGINE);
    expect(result).toMatchObject({ code: 0, stdout: 'no bottles\n' });
    expect(result.stderr).toContain('engine default is not reachable');
  });
});

describe('claude-bottle show', () => {
  it('puts every value in one column, a space after the longest label', async () => {
    const identity = await makeStateBottle();
    const result = await cli(['show', identity], DOWN_ENGINE);
    expect(result.code).toBe(0);
    const fields = result.stdout.split('\n').filter((line) => /^[a-z][a-zA-Z ]*: /.test(line) || /^[a-z][a-zA-Z ]*:\S/.test(line));
    expect(fields.map((line) => line.replace(/:.*/, ''))).toContain('own Dockerfile');
    for (const line of fields) expect(line, line).toMatch(/^[a-z][a-zA-Z ]*: +\S/);
    expect(new Set(fields.map((line) => line.search(/(?<=: +)\S/))).size).toBe(1);
  });

  it('sets a pending request apart, its approve and reject commands each on a line in that column', async () => {
    const identity = await makeStateBottle();
    await writeRequest(identity, 'req-1-a');
    const result = await cli(['show', identity], DOWN_ENGINE);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\n\npending request req-1-a /);
    expect(result.stdout).toContain(
      `+RUN echo built > /opt/marker\n\napprove:         claude-bottle approve ${identity} --request req-1-a\nreject:          claude-bottle reject ${identity} --request req-1-a\n`,
    );
  });
});

describe('claude-bottle serve before the browser app is built', () => {
  it('names the one command that builds it, runnable from any folder', async () => {
    // A clone with the CLI built and the renderer not: the bin and its bundle copied, nothing else.
    const clone = await mkdtemp(join(tmpdir(), 'claude-bottle-clone-'));
    try {
      await mkdir(join(clone, 'bin'));
      await mkdir(join(clone, 'out', 'cli'), { recursive: true });
      await copyFile(CLI_BIN, join(clone, 'bin', 'claude-bottle.mjs'));
      await copyFile(join(CLI_BIN, '..', '..', 'out', 'cli', 'claude-bottle.cjs'), join(clone, 'out', 'cli', 'claude-bottle.cjs'));
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [join(clone, 'bin', 'claude-bottle.mjs'), 'serve', '--port', '0'],
          { cwd: tmpdir(), env: { ...process.env, CLAUDE_BOTTLE_HOME: home() }, timeout: 30_000 },
          (error, stdout, stderr) =>
            resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
        );
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `claude-bottle: the browser app is not built (no ${join(clone, 'out', 'renderer', 'index.html')}); build it with: npm --prefix ${clone} run build\n`,
      );
    } finally {
      await rm(clone, { recursive: true, force: true });
    }
  });
});
