import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangeSet } from '../../src/shared/changes';
import { findBottleContainer } from '../../src/core/engine/bottle-containers';
import { writeTestAgent } from '../../test/helpers/test-agents';
import { abMedians, cli, docker, median, run, timed, type Figure } from '../bench-lib';
import type { BenchEnv } from '../bench-env';

const FILES = 10_000;
const MEGABYTES = 200;
const CHANGED = 50;
const ROUNDS = 3;
const REFRESHES = 20;
const POLL_MS = 2_000;

/** 10,000 text files, 200 MB in all, in 100 folders. */
async function writeWorkspace(root: string): Promise<void> {
  const size = Math.floor((MEGABYTES * 1024 * 1024) / FILES);
  for (let dir = 0; dir < 100; dir += 1) {
    await mkdir(join(root, `pkg-${dir}`), { recursive: true });
    await Promise.all(
      Array.from({ length: FILES / 100 }, (_, file) => {
        const lines =
          randomBytes(Math.ceil((size * 3) / 4))
            .toString('base64')
            .match(/.{1,76}/g) ?? [];
        return writeFile(join(root, `pkg-${dir}`, `file-${file}.txt`), `${lines.join('\n')}\n`.slice(0, size));
      }),
    );
  }
}

/**
 * The Changes figures on a 10,000-file, 200 MB copy-mode workspace where the agent changed 50
 * files: `claude-bottle diff --json` vs what it takes by hand (docker cp of /workspace, then
 * `git diff --no-index --stat` against the project), in the same run; and one refresh of the
 * unchanged tree through the warm core, as a watching Changes view runs it every two seconds.
 */
export async function changesFigures(env: BenchEnv): Promise<Figure[]> {
  await writeTestAgent({ name: 'idle', script: 'exec sleep 3600' });
  const project = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-changes-'));
  const out = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-changes-out-'));
  try {
    await writeWorkspace(project);
    const { identity } = await env.core.bottles.start({ agent: 'idle', cwd: project, copy: true });
    const info = await findBottleContainer(env.ctx.docker, identity);
    if (info === null) throw new Error('the bench bottle has no container');
    const edits = Array.from({ length: CHANGED }, (_, i) => `echo 'changed by the agent' >> /workspace/pkg-${i * 2}/file-${i}.txt`).join(
      ' && ',
    );
    await docker(['exec', info.Id, 'sh', '-c', edits]);

    let files = 0;
    const notes = new Set<string>();
    const diff = await abMedians(
      ROUNDS,
      async () => {
        const set = JSON.parse(await cli(['diff', identity, '--json'])) as ChangeSet;
        files = set.files.length;
        // How a round listed the workspace when not from inside the bottle (the archive's way is ~5× slower).
        for (const note of set.notes) if (note.startsWith('listed from')) notes.add(note);
      },
      async () => {
        await docker(['cp', `${info.Id}:/workspace`, join(out, 'workspace')]);
        // Exit code 1 means "differences found": the answer, not a failure.
        await run('git', ['diff', '--no-index', '--stat', project, join(out, 'workspace')]).catch((error: unknown) => {
          if ((error as { exitCode?: unknown }).exitCode !== 1) throw error;
        });
      },
      async () => rm(join(out, 'workspace'), { recursive: true, force: true }),
    );
    if (files !== CHANGED) throw new Error(`diff listed ${files} files, expected ${CHANGED}`);

    // As a watching view runs it: one look every two seconds (the watch's own timer is not
    // relied on for timing; the same call is made here on the same schedule).
    await env.core.changes.refresh(identity);
    const refreshes: number[] = [];
    for (let i = 0; i < REFRESHES; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      refreshes.push((await timed(() => env.core.changes.refresh(identity))).seconds * 1000);
    }
    await env.core.changes.unwatch(identity);
    const refresh = median(refreshes);
    await env.core.bottles.remove(identity, { keepState: false, force: true });
    const ratio = diff.ours / diff.docker;
    return [
      {
        figure: `changes: diff --json of ${FILES} files, ${MEGABYTES} MB, ${CHANGED} changed (vs docker cp + git diff --no-index --stat)`,
        ours: diff.ours,
        docker: diff.docker,
        unit: 's',
        ratio,
        target: 'ratio ≤ 1.0',
        pass: ratio <= 1.0,
        ...(notes.size === 0 ? {} : { note: [...notes].join('; ') }),
      },
      {
        figure: `changes: refresh of the unchanged ${FILES}-file tree (warm core, one look every 2 s, median of ${REFRESHES})`,
        ours: refresh,
        docker: null,
        unit: 'ms',
        ratio: null,
        target: '≤ 100 ms',
        pass: refresh <= 100,
      },
    ];
  } finally {
    await rm(project, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
}
