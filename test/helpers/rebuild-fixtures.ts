import { execFile } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeMetadata } from '../../src/core/state/metadata';
import { bottlePaths, claudeBottleRoot } from '../../src/core/state/state-paths';

export const CAPABILITY_BLOCK = join(import.meta.dirname, '..', '..', 'resources', 'bottle', 'bin', 'capability-block');
export const AGENT_DOCKERFILE = 'FROM claude-bottle-test-base:latest\nCOPY agent.sh /usr/bin/agent.sh\n';

/** A bottle's state folder (metadata, empty inbox) and its agent folder, no container. */
export async function makeStateBottle(identity = 'unit-abcde', agentName = 'unit'): Promise<string> {
  const agentDir = join(claudeBottleRoot(), 'agents', agentName);
  await mkdir(agentDir, { recursive: true });
  await writeFile(join(agentDir, 'Dockerfile'), AGENT_DOCKERFILE);
  await writeFile(join(agentDir, 'agent.sh'), 'exec sleep 3600\n');
  await writeFile(join(agentDir, 'agent.json'), JSON.stringify({ command: ['sh', '/usr/bin/agent.sh'] }));
  await writeMetadata({ identity, agent_name: agentName, cwd: '', copy_cwd: true, started_at: '2026-11-25T00:00:00+00:00' });
  await mkdir(bottlePaths(identity).inbox, { recursive: true });
  return identity;
}

export function requestJson(id: string, extra: Record<string, unknown> = { run: ['echo built > /opt/marker'] }): string {
  return JSON.stringify({ version: 1, id, created_at: '2026-11-25T00:00:00Z', reason: 'need a marker', ...extra });
}

export async function writeRequest(identity: string, id: string, extra?: Record<string, unknown>): Promise<void> {
  await writeFile(join(bottlePaths(identity).inbox, `${id}.json`), requestJson(id, extra));
}

const run = promisify(execFile);

let busyboxBin: string | null = null;

/** A PATH folder holding only busybox applets, so the script is tested with busybox's awk, od, date... */
export function busyboxOnlyPath(): string {
  if (busyboxBin !== null) return busyboxBin;
  const dir = mkdtempSync(join(tmpdir(), 'claude-bottle-busybox-'));
  for (const applet of execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    symlinkSync('/bin/busybox', join(dir, applet));
  }
  busyboxBin = dir;
  return dir;
}

/** Runs capability-block against an inbox folder, by default with busybox sh and only busybox applets. */
export async function runCapabilityBlock(
  inbox: string,
  args: string[],
  shell: 'busybox' | 'debian' = 'busybox',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runBottleTool(CAPABILITY_BLOCK, inbox, args, shell);
}

/** Runs one of the in-bottle tools (resources/bottle/bin) against an inbox folder, under busybox sh or dash. */
export async function runBottleTool(
  script: string,
  inbox: string,
  args: string[],
  shell: 'busybox' | 'debian' = 'busybox',
): Promise<{ code: number; stdout: string; stderr: string }> {
  // 'debian': dash with the host's GNU tools and mawk, as in the Debian-based claude agent image.
  const [program, prefix, path] = shell === 'busybox' ? ['/bin/busybox', ['sh'], busyboxOnlyPath()] : ['/bin/dash', [], '/usr/bin:/bin'];
  try {
    const { stdout, stderr } = await run(program, [...prefix, script, ...args], {
      env: { PATH: path, CLAUDE_BOTTLE_INBOX: inbox },
    });
    return { code: 0, stdout, stderr };
  } catch (error: unknown) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
