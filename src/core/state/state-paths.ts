import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseIdentity } from '../../shared/identity';

/** `$CLAUDE_BOTTLE_HOME` if set, else `~/.claude-bottle` (shared with the Python CLI). */
export function claudeBottleRoot(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CLAUDE_BOTTLE_HOME;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.claude-bottle');
}

export function stateRoot(): string {
  return join(claudeBottleRoot(), 'state');
}

/** Our own log (rotated, without secrets): `<root>/logs/claude-bottle.log`. */
export function logFilePath(): string {
  return join(claudeBottleRoot(), 'logs', 'claude-bottle.log');
}

/** Caches of facts about images (content-addressed, so never stale). */
export function imageCacheDir(): string {
  return join(claudeBottleRoot(), 'cache');
}

/** The bottle's own folder. The identity is validated here so no path is built from junk. */
export function stateDir(identity: string): string {
  return join(stateRoot(), parseIdentity(identity));
}

export interface BottlePaths {
  dir: string;
  metadata: string;
  dockerfile: string;
  transcript: string;
  workspace: string;
  inbox: string;
  journal: string;
  runDockerfile: string;
}

export function bottlePaths(identity: string): BottlePaths {
  const dir = stateDir(identity);
  return {
    dir,
    metadata: join(dir, 'metadata.json'),
    dockerfile: join(dir, 'Dockerfile'),
    transcript: join(dir, 'transcript'),
    workspace: join(dir, 'workspace'),
    inbox: join(dir, 'inbox'),
    journal: join(dir, 'journal.jsonl'),
    // What the bottle sees at /run/claude-bottle/Dockerfile: the Dockerfile it was built from.
    runDockerfile: join(dir, 'run', 'Dockerfile'),
  };
}

export function perBottleImageTag(identity: string): string {
  return `claude-bottle-rebuilt-${parseIdentity(identity)}:latest`;
}

export function containerName(identity: string): string {
  return `claude-bottle-${parseIdentity(identity)}`;
}
