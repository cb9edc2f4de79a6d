import type { PendingRequestView, ProjectAgentReview } from '../shared/bottle-view';
import type { RiskNote } from '../shared/dockerfile-risks';
import { escapeControl, escapeLine } from '../shared/escape-text';
import { formatBytes } from '../shared/format-bytes';

/*
 * What the operator reads before deciding (approve, trust, show). Everything in it was written by
 * an agent or a repository, so every piece goes through escapeControl: no terminal escape sequence,
 * bidi override or invisible character reaches the terminal as itself.
 */

/** Risk notes, one per line; empty when there are none. */
export function riskLines(risks: RiskNote[]): string[] {
  if (risks.length === 0) return [];
  return ['worth a second look:', ...risks.map((risk) => `  line ${risk.line}: ${escapeLine(risk.text).slice(0, 160)}\n    ${risk.why}`)];
}

/** SGR colours for a unified diff's lines: added green, removed red, hunk headers cyan. */
const DIFF_COLOURS: readonly (readonly [prefix: string, sgr: string])[] = [
  ['+++', '1'],
  ['---', '1'],
  ['+', '32'],
  ['-', '31'],
  ['@@', '36'],
];

/**
 * Colours an already escaped unified diff for a terminal. Only our own SGR sequences are added:
 * the text itself went through escapeControl, so nothing the agent wrote can reach the terminal
 * as an escape.
 */
export function colourDiff(escapedDiff: string): string {
  return escapedDiff
    .split('\n')
    .map((line) => {
      const sgr = DIFF_COLOURS.find(([prefix]) => line.startsWith(prefix))?.[1];
      return sgr === undefined ? line : `\u001b[${sgr}m${line}\u001b[0m`;
    })
    .join('\n');
}

/** Colour on stdout only for a person at a terminal who has not asked for none (https://no-color.org). */
export function stdoutWantsColour(): boolean {
  const noColor = process.env.NO_COLOR;
  return process.stdout.isTTY === true && (noColor === undefined || noColor === '');
}

/**
 * A pending request as `show` and `approve` print it: reason, build error, risk notes, diff; the
 * diff coloured when `colour` says the reader is a terminal.
 */
export function requestText(request: PendingRequestView, colour = false): string {
  const lines = [
    `pending request ${escapeLine(request.id)} (${escapeControl(request.createdAt)})`,
    `reason: ${escapeControl(request.reason)}`,
  ];
  if (request.buildError !== null) lines.push(`last build failed:\n${escapeControl(request.buildError)}`);
  lines.push(...riskLines(request.risks));
  const diff = escapeControl(request.diff.trimEnd());
  lines.push(colour ? colourDiff(diff) : diff);
  return lines.join('\n');
}

/** A project agent as `trust` prints it: where it is, its files in full, the rest listed. */
export function agentReviewText(review: ProjectAgentReview): string {
  const lines = [
    `project agent ${review.name} (${review.trust}) at ${escapeControl(review.dir)}`,
    `it receives these host variables: ${review.env.length === 0 ? 'none' : review.env.join(', ')}`,
    '',
    '--- agent.json',
    escapeControl(review.agentJson.trimEnd()),
    '',
    '--- Dockerfile',
    escapeControl(review.dockerfile.trimEnd()),
  ];
  if (review.otherFiles.length > 0) {
    lines.push('', '--- other files the build can use');
    for (const file of review.otherFiles) lines.push(`  ${escapeLine(file.path)} (${formatBytes(file.bytes)})`);
  }
  const risks = riskLines(review.risks);
  if (risks.length > 0) lines.push('', ...risks);
  return lines.join('\n');
}
