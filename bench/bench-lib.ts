import { execFile } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');
export const CLI = join(ROOT, 'bin', 'claude-bottle.mjs');

export interface Figure {
  figure: string;
  ours: number;
  docker: number | null;
  unit: 's' | 'MB/s' | 'ms' | 'MB' | 'ratio' | '%' | 'files/s';
  /** ours ÷ docker for times; docker ÷ ours is never used, so lower is better for times. */
  ratio: number | null;
  target: string;
  pass: boolean;
  note?: string;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/**
 * A step that also keeps its own durations (seconds) in `into`, for the p50 and p95 a figure
 * prints beside its medians. abMedians runs each step once untimed first: callers drop that one.
 */
export function recorded(work: () => Promise<void>, into: number[]): () => Promise<void> {
  return async () => void into.push((await timed(work)).seconds);
}

/** "ours p50 … p95 …, docker p50 … p95 …" of recorded samples (the warm-up, the first, left out). */
export function spreadNote(ours: number[], docker: number[], show: (seconds: number) => string): string {
  const spread = (values: number[]): string => `p50 ${show(median(values))} p95 ${show(percentile(values, 95))}`;
  return `ours ${spread(ours.slice(1))}, docker ${spread(docker.slice(1))} (${ours.length - 1} rounds)`;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await work();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, value };
}

export function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      // The exit code goes with the error: some commands answer with one (git diff: 1 = differences).
      if (error)
        reject(
          Object.assign(new Error(`${command} ${args.slice(0, 3).join(' ')} failed: ${stderr.trim().split('\n').pop() ?? error.message}`), {
            exitCode: error.code,
          }),
        );
      else resolve(stdout);
    });
  });
}

export const cli = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> => run(process.execPath, [CLI, ...args], env);
export const docker = (args: string[]): Promise<string> => run('docker', args);

/**
 * Alternates ours and the docker reference for `rounds` rounds (A/B, B/A, …) after one warm-up
 * of each, and returns both medians (p50) and 95th percentiles in seconds.
 */
export async function abMedians(
  rounds: number,
  ours: () => Promise<void>,
  reference: () => Promise<void>,
  between: () => Promise<void> = async () => undefined,
): Promise<{ ours: number; docker: number; oursP95: number; dockerP95: number }> {
  await ours();
  await between();
  await reference();
  await between();
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
    for (const which of order) {
      if (which === 'a') a.push((await timed(ours)).seconds);
      else b.push((await timed(reference)).seconds);
      await between();
    }
  }
  return { ours: median(a), docker: median(b), oursP95: percentile(a, 95), dockerP95: percentile(b, 95) };
}
