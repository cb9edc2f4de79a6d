import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** Removes the containers and per-bottle images of the given bottles (the e2e's own, by label). */
export async function removeBottles(identities: string[]): Promise<void> {
  for (const identity of identities) {
    const ids = await docker('ps', '-aq', '--filter', `label=claude-bottle.identity=${identity}`).catch(() => '');
    for (const id of ids.split('\n').filter(Boolean)) await docker('rm', '-f', id).catch(() => '');
    await docker('rmi', '-f', `claude-bottle-rebuilt-${identity}:latest`).catch(() => '');
  }
}

export async function containerId(identity: string): Promise<string> {
  const ids = await docker('ps', '-aq', '--no-trunc', '--filter', `label=claude-bottle.identity=${identity}`);
  return ids.split('\n')[0] ?? '';
}

export async function containerState(identity: string): Promise<string> {
  const id = await containerId(identity);
  if (id === '') return 'none';
  return docker('inspect', '-f', '{{.State.Status}}', id);
}

/** Removes the agent images an e2e agent folder produced (tagged by build-context hash). */
export async function removeAgentImages(agent: string): Promise<void> {
  const ids = await docker('images', '-q', `claude-bottle-agent-${agent}`).catch(() => '');
  for (const id of new Set(ids.split('\n').filter(Boolean))) await docker('rmi', '-f', id).catch(() => '');
}
