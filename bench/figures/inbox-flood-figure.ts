import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from '../../e2e/helpers/serve-process';
import { TEST_BASE_IMAGE } from '../../test/helpers/busybox-image';
import type { Figure } from '../bench-lib';

const FILES = 2000;
const IDENTITY = 'flood-bench';

/** A field of /proc/<pid>/status in kB (Linux), or null elsewhere. */
async function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number | null> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match === null ? null : Number(match[1]);
}

/** CPU seconds (user + system) the process has used so far (Linux), or null elsewhere. */
async function cpuSeconds(pid: number): Promise<number | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks / 100 : null;
}

/** Requests answered in the inbox plus requests pending for the operator: the settled ones. */
async function settled(home: string): Promise<number> {
  const answered = (await readdir(join(home, 'state', IDENTITY, 'inbox')).catch(() => [] as string[])).filter((name) =>
    name.endsWith('.response.json'),
  ).length;
  const pending = (await readdir(join(home, 'state', IDENTITY, 'rebuild', 'pending')).catch(() => [] as string[])).filter(
    (name) => name.endsWith('.json') && !name.startsWith('.'),
  ).length;
  return answered + pending;
}

/**
 * An inbox flood against the live core (`claude-bottle serve`, whose watcher triggers a scan per
 * file event): 2,000 tiny requests written the way capability-block writes them, timed from the
 * first write until every one is answered or pending. Issue 10 measured over 400 s and 1.4 cores
 * before scans were coalesced and pending requests capped.
 */
export async function inboxFloodFigures(): Promise<Figure[]> {
  const home = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-flood-'));
  try {
    const agent = join(home, 'agents', 'flood');
    await mkdir(agent, { recursive: true });
    await writeFile(join(agent, 'Dockerfile'), `FROM ${TEST_BASE_IMAGE}\n`);
    await writeFile(join(agent, 'agent.json'), JSON.stringify({ command: ['sh'] }));
    const inbox = join(home, 'state', IDENTITY, 'inbox');
    await mkdir(inbox, { recursive: true, mode: 0o700 });
    const metadata = {
      identity: IDENTITY,
      agent_name: 'flood',
      cwd: '',
      copy_cwd: true,
      started_at: new Date().toISOString().replace('Z', '+00:00'),
    };
    await writeFile(join(home, 'state', IDENTITY, 'metadata.json'), JSON.stringify(metadata));
    const serve = await startServe(home);
    try {
      // Let the watcher settle in before the flood.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const baselineKb = (await procStatusKb(serve.pid, 'VmRSS')) ?? 0;
      const cpuBefore = await cpuSeconds(serve.pid);
      const started = process.hrtime.bigint();
      for (let index = 0; index < FILES; index += 1) {
        const id = `req-${String(index).padStart(5, '0')}`;
        const request = { version: 1, id, created_at: new Date().toISOString(), reason: 'flood', run: [`echo ${index}`] };
        await writeFile(join(inbox, `.tmp-${id}`), JSON.stringify(request));
        await rename(join(inbox, `.tmp-${id}`), join(inbox, `${id}.json`));
      }
      const deadline = Date.now() + 600_000;
      while ((await settled(home)) < FILES) {
        if (Date.now() > deadline) throw new Error(`inbox flood: only ${await settled(home)} of ${FILES} settled in 600 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const peakKb = (await procStatusKb(serve.pid, 'VmHWM')) ?? 0;
      const cpuAfter = await cpuSeconds(serve.pid);
      const cpu = cpuBefore === null || cpuAfter === null ? '' : `, ${(cpuAfter - cpuBefore).toFixed(1)} CPU s in serve`;
      const perSecond = FILES / seconds;
      return [
        {
          figure: `inbox flood: ${FILES} requests settled by a live serve`,
          ours: perSecond,
          docker: null,
          unit: 'files/s',
          ratio: null,
          target: `≥ ${FILES / 10} files/s (all in < 10 s)`,
          pass: seconds < 10,
          note: `${seconds.toFixed(1)} s${cpu}`,
        },
        {
          figure: 'inbox flood: peak memory of serve',
          ours: peakKb / 1024,
          docker: null,
          unit: 'MB',
          ratio: null,
          target: '< 300 MB',
          pass: peakKb / 1024 < 300,
          note: `${(baselineKb / 1024).toFixed(0)} MB before the flood`,
        },
      ];
    } finally {
      await serve.stop();
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
