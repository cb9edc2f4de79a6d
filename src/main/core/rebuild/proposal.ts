import { createTwoFilesPatch } from 'diff';
import type { CapabilityRequest } from './request-schema';

/** `--run` requests: the current Dockerfile plus one RUN line per command, in order. */
export function composeProposedDockerfile(request: CapabilityRequest, current: string): string {
  if ('dockerfile' in request) return request.dockerfile;
  const base = current === '' || current.endsWith('\n') ? current : `${current}\n`;
  return `${base}${request.run.map((command) => `RUN ${command.trim()}\n`).join('')}`;
}

/** Unified diff, current → proposed, as the operator reviews it. */
export function dockerfileDiff(current: string, proposed: string): string {
  return createTwoFilesPatch('Dockerfile', 'Dockerfile', current, proposed, 'current', 'proposed', { context: 3 });
}
