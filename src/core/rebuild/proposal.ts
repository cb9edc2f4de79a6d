import { createTwoFilesPatch } from 'diff';
import type { CapabilityRequest } from './request-schema';

/** The user of the Dockerfile's last `USER` instruction, or null when it never switches user. */
export function finalUser(dockerfile: string): string | null {
  let user: string | null = null;
  for (const line of dockerfile.split('\n')) {
    const match = /^\s*USER\s+(\S+)/i.exec(line);
    if (match) user = match[1] ?? null;
  }
  return user;
}

const ROOT_USERS = new Set(['root', '0', '0:0', 'root:root']);

/**
 * `--run` requests: the current Dockerfile plus one RUN line per command, in order. Installing a
 * tool needs root, and agent images usually end by switching to their non-root user, so the RUN
 * lines go between `USER root` and a switch back to that user.
 */
export function composeProposedDockerfile(request: CapabilityRequest, current: string): string {
  if ('dockerfile' in request) return request.dockerfile;
  const base = current === '' || current.endsWith('\n') ? current : `${current}\n`;
  const runs = request.run.map((command) => `RUN ${command.trim()}\n`).join('');
  const user = finalUser(base);
  if (user === null || ROOT_USERS.has(user)) return `${base}${runs}`;
  return `${base}USER root\n${runs}USER ${user}\n`;
}

/** Unified diff, current → proposed, as the operator reviews it. */
export function dockerfileDiff(current: string, proposed: string): string {
  return createTwoFilesPatch('Dockerfile', 'Dockerfile', current, proposed, 'current', 'proposed', { context: 3 });
}
