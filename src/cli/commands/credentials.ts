import { describeSignIn, methodLabel, type CredentialStatus } from '../../shared/credentials-view';
import { createCliCore } from '../cli-context';
import { info, parseCommandArgs, printJson, UsageError, type CliCommand } from '../cli-io';
import { readSecret } from '../secret-input';

const USAGE = 'claude-bottle credentials [status|forget|set NAME] [--agent NAME] [--json]';

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
    lines.push('  Sign in once: start a bottle of the agent and log in there (Claude Code: /login); every later bottle starts signed in.');
    lines.push('  Or store a token: claude setup-token, then claude-bottle credentials set CLAUDE_CODE_OAUTH_TOKEN');
  }
  if (status.signedOut !== null)
    lines.push(`  the sign-in service refused this login at its refresh (${status.signedOut.at}): sign in again`);
  if (status.forgottenAt !== null)
    lines.push(`  signed out ${status.forgottenAt}; bottles running then keep their session until they stop`);
  lines.push(`store: ${status.storeDir}`);
  return lines.join('\n');
}

/**
 * How an agent is signed in (default: Claude Code), signing out, and storing a token or key read
 * from stdin (never an argument: arguments show in `ps`).
 */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(argv, { agent: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  const [action = 'status', ...rest] = positionals;
  const agent = typeof values.agent === 'string' ? values.agent : undefined;
  const json = values.json === true;
  const { credentials } = createCliCore(owner, json);
  let status: CredentialStatus;
  if (action === 'status' && rest.length === 0) {
    status = await credentials.status(agent);
  } else if (action === 'forget' && rest.length === 0) {
    status = await credentials.forget(agent);
    info(`signed out of ${status.set}: new bottles start signed out (bottles running now keep their session until they stop)`, json);
  } else if (action === 'set' && rest.length === 1) {
    const name = rest[0] as string;
    const value = await readSecret(`Paste the value of ${name} (it is not shown), then press Enter: `);
    status = await credentials.setSecret(name, value, agent);
    info(`stored ${name} for ${status.set}: new bottles get it as a file, never as a visible environment entry`, json);
  } else {
    throw new UsageError(`expected status, forget or set NAME (usage: ${USAGE})`);
  }
  if (json) printJson(status);
  else info(describe(status));
  return 0;
};
