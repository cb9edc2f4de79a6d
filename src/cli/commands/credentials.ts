import { describeSignIn, methodLabel, type CredentialStatus } from '../../shared/credentials-view';
import type { Core } from '../../core/create-core';
import { createCliCore } from '../cli-context';
import { pipeTerminal } from '../terminal-attach';
import { info, parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';
import { readSecret } from '../secret-input';

const USAGE = 'claude-bottle credentials [status|login|forget|set NAME] [--agent NAME] [--json]';

function describe(status: CredentialStatus): string {
  const lines = [`${status.set}: ${describeSignIn(status)}`];
  for (const entry of status.entries) {
    const when = entry.source === 'environment' ? "from this shell's environment" : `saved ${entry.updatedAt ?? '-'}`;
    const expires = entry.expiresAt === null ? '' : `, token expires ${entry.expiresAt}`;
    lines.push(
      `  ${methodLabel(entry.method).padEnd(13)} ${entry.name} (${when}${expires}${entry.detail === null ? '' : `, plan ${entry.detail}`})`,
    );
  }
  if (status.method === null) {
    lines.push('  Sign in once: claude-bottle credentials login; every later bottle starts signed in.');
    lines.push('  Or store a token: claude setup-token, then claude-bottle credentials set CLAUDE_CODE_OAUTH_TOKEN');
  }
  if (status.signedOut !== null)
    lines.push(`  the sign-in service refused this login at its refresh (${status.signedOut.at}): sign in again`);
  if (status.forgottenAt !== null) lines.push(`  signed out ${status.forgottenAt}`);
  lines.push(`store: ${status.storeDir}`);
  return lines.join('\n');
}

/**
 * The sign-in flow on this terminal. Raw, the terminal sends Ctrl-C to the sign-in command; SIGINT,
 * SIGTERM or SIGHUP to this process (no terminal, a closed window) cancel it: its container and
 * network are removed before the command ends, and nothing is stored.
 */
async function signIn(core: Core, agent: string | undefined, json: boolean): Promise<CredentialStatus> {
  const abort = new AbortController();
  const cancel = (): void => abort.abort();
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, cancel);
  try {
    info('Starting the sign-in container (network: the sign-in hosts only)…', json);
    return await core.credentials.signIn({
      ...(agent === undefined ? {} : { agent }),
      terminal: (attachment) => pipeTerminal(core, 'the sign-in', attachment),
      progress: (line) => info(`  ${line}`, true),
      signal: abort.signal,
    });
  } finally {
    for (const signal of signals) process.off(signal, cancel);
  }
}

/**
 * How an agent is signed in (default: Claude Code), signing in through the sign-in flow, signing
 * out, and storing a token or key read from stdin (never an argument: arguments show in `ps`).
 */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(argv, { agent: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  const [action = 'status', ...rest] = positionals;
  const agent = typeof values.agent === 'string' ? values.agent : undefined;
  const json = values.json === true;
  const core = createCliCore(owner, json);
  const { credentials } = core;
  let status: CredentialStatus;
  if (action === 'status' && rest.length === 0) {
    status = await credentials.status(agent);
  } else if (action === 'forget' && rest.length === 0) {
    status = await credentials.forget(agent);
    info(`signed out of ${status.set}: the gateway no longer signs any bottle's requests with it`, json);
  } else if (action === 'login' && rest.length === 0) {
    // The sign-in's terminal owns stdout: no JSON document could be told apart from it.
    if (json) throw new UsageError('credentials login is interactive: it takes no --json (credentials status --json says the outcome)');
    status = await signIn(core, agent, json);
    info(`signed in ${status.set}: new bottles start signed in`, json);
  } else if (action === 'set' && rest.length === 1) {
    const name = rest[0] as string;
    const value = await readSecret(`Paste the value of ${name} (it is not shown), then press Enter: `);
    status = await credentials.setSecret(name, value, agent);
    info(`stored ${name} for ${status.set}: new bottles get it as a file, never as a visible environment entry`, json);
  } else {
    throw new UsageError(`expected status, login, forget or set NAME (usage: ${USAGE})`);
  }
  if (json) printJson(status);
  else info(describe(status));
  return 0;
};
