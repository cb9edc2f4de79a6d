// `npm run bench`: every speed figure, ours against the plain docker CLI in the same run.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectDocker } from '../src/core/engine/docker-client';
import { ensureTestBaseImage } from '../test/helpers/busybox-image';
import { rawDocker } from '../test/helpers/raw-docker';
import { ROOT, type Figure } from './bench-lib';
import { createBenchEnv } from './bench-env';
import { listFigure, measureList, scaleFigure } from './figures/list-figures';
import { approveFigure } from './figures/approve-figure';
import { signInSyncFigure } from './figures/sign-in-figure';
import { changesFigures } from './figures/changes-figures';
import { snapshotFigure } from './figures/snapshot-figure';
import { checkpointFigures } from './figures/checkpoint-figure';
import { forkFigure } from './figures/fork-figure';
import { inboxFloodFigures } from './figures/inbox-flood-figure';
import { resumeFigure, sameWorkStartFigure, startFigure, warmCoreFigures } from './figures/start-figures';
import { cardLatencyFigure, manyBottlesFigures, uiScaleFigures } from './figures/ui-figures';
import { permissionCardFigure } from './figures/permission-figure';
import { logsOpenFigures, statsCostFigure } from './figures/cockpit-figures';
import { contextStartFigure, twoEngineListFigure } from './figures/engine-figures';
import { netFigures } from './figures/net-figures';
import { removeBenchContainers } from './fixtures';
import { listStateEntries } from '../src/core/state/state-listing';
import { removeTestInstanceObjects } from '../test/helpers/instance-cleanup';

function format(value: number | null, unit: string): string {
  if (value === null) return '-';
  if (unit === 's') return `${(value * 1000).toFixed(0)} ms`;
  return `${value.toFixed(unit === 'ratio' || unit === '%' ? 2 : 0)} ${unit}`;
}

function printTable(figures: Figure[]): void {
  const rows = figures.map((f) => [
    f.figure,
    format(f.ours, f.unit),
    format(f.docker, f.unit),
    f.ratio === null ? '-' : f.ratio.toFixed(2),
    f.target,
    f.pass ? 'pass' : 'FAIL',
    f.note ?? '',
  ]);
  const header = ['figure', 'ours', 'docker', 'ratio', 'target', 'result', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`);
}

const only = process.argv.slice(2);
const wanted = (name: string): boolean => only.length === 0 || only.includes(name);

const { docker } = connectDocker();
await ensureTestBaseImage(rawDocker());
const env = await createBenchEnv();
const figures: Figure[] = [];
const step = async (name: string, work: () => Promise<Figure | Figure[]>): Promise<void> => {
  if (!wanted(name)) return;
  process.stderr.write(`bench: ${name}…\n`);
  const result = await work();
  figures.push(...(Array.isArray(result) ? result : [result]));
};
try {
  await step('start', async () => [await startFigure(env), await startFigure(env, true), await sameWorkStartFigure(env)]);
  await step('resume', () => resumeFigure(env));
  await step('warm', () => warmCoreFigures(env));
  await step('list', async () => {
    const small = await measureList(env, 1000, 20);
    const out = [listFigure(small)];
    if (wanted('scale') || only.length === 0) out.push(scaleFigure(small, await measureList(env, 5000, 100)));
    return out;
  });
  await step('approve', async () => [await approveFigure(env), await approveFigure(env, true)]);
  await step('snapshot', () => snapshotFigure(env));
  await step('checkpoint', () => checkpointFigures(env));
  await step('fork', () => forkFigure(env));
  await step('inbox-flood', () => inboxFloodFigures());
  await step('sign-in', () => signInSyncFigure());
  await step('changes', () => changesFigures(env));
  await step('ui', async () => {
    const kill = await cardLatencyFigure(env);
    return [kill, await permissionCardFigure(env, kill.ours), ...(await manyBottlesFigures(env))];
  });
  await step('ui-scale', () => uiScaleFigures(env));
  await step('logs', () => logsOpenFigures(env));
  await step('stats', () => statsCostFigure(env));
  await step('engines', async () => [await contextStartFigure(env), await twoEngineListFigure(env)]);
  await step('net', () => netFigures(env.project));
} finally {
  const mine = new Set((await listStateEntries()).map((e) => e.identity));
  await removeBenchContainers(docker, mine);
  // The bottles' own networks and the instance's gateway and egress bridge: without this every run
  // left a network per bottle behind, and each one left on the engine slows every later start.
  await removeTestInstanceObjects(env.home);
}
printTable(figures);
await writeFile(join(ROOT, 'bench', 'results.json'), `${JSON.stringify({ at: new Date().toISOString(), figures }, null, 2)}\n`);
process.stdout.write(`\nwritten to bench/results.json\n`);
