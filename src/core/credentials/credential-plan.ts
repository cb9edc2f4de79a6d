import { posix } from 'node:path';
import { declarationFor } from '../agents/agent-credentials';
import type { CredentialHost } from '../../shared/credential-host';
import { credentialSetOf, secretEnvNames, type CredentialHolder, type LaunchSecrets } from './agent-secrets';
import { envPlaceholderKind, placeholderFor, placeholderLoginFile, readOauthLogin } from './credential-placeholders';
import { readStoredEnv, readStoredFile } from './credential-store';
import type { SecretPlace } from '../../shared/secret-placement';

/*
 * Where each of an agent's secrets goes (issue 20): signed by the gateway (the bottle gets a
 * placeholder, the gateway's table the real value), or held in the bottle (the real value goes in,
 * as before issue 20). Held in the bottle: a secret the agent declares no host and header for; a
 * variable the operator passed from the environment of the launching process (the gateway's table
 * is one per credential set and built from the store by whichever core pushes, so a value only one
 * process saw could not be signed with reliably); and everything while settings.json turns the
 * gateway off (`gatewayNetwork: false`: there is nothing to sign with).
 */

/** One injection the gateway makes for a set: in `header`, on each of `hosts`, the placeholder becomes the value. */
export interface Injection {
  hosts: CredentialHost[];
  header: string;
  placeholder: string;
  value: string;
}

export interface PlannedSecret {
  secret: { file: string } | { env: string };
  place: SecretPlace;
  /** What goes into the bottle: the placeholder (place `gateway`) or the real value. */
  inBottle: Buffer;
  /** A stored login file's modification time (kept on the bottle's copy); null for a variable. */
  mtimeMs: number | null;
  injection: Injection | null;
}

export interface PlanOptions {
  gatewayOn: boolean;
  /** The launching process's environment (secret variables passed from it); none for a table push. */
  hostEnv: NodeJS.ProcessEnv;
}

/** A secret with the declaration saying where, and the value it has now: placeholder and injection, or held. */
function placed(
  agent: CredentialHolder,
  secret: PlannedSecret['secret'],
  real: { value: string; inBottle: Buffer; placeholder: string; placeholderContent: Buffer } | null,
  place: SecretPlace,
  mtimeMs: number | null,
): PlannedSecret | null {
  if (real === null) return null;
  const declaration = declarationFor(agent.config.credentials, secret);
  if (place === 'gateway' && declaration !== undefined)
    return {
      secret,
      place,
      inBottle: real.placeholderContent,
      mtimeMs,
      injection: { hosts: declaration.hosts.map(hostOf), header: declaration.header, placeholder: real.placeholder, value: real.value },
    };
  return {
    secret,
    place: declaration === undefined && place === 'gateway' ? 'bottle' : place,
    inBottle: real.inBottle,
    mtimeMs,
    injection: null,
  };
}

function hostOf(text: string): CredentialHost {
  const colon = text.lastIndexOf(':');
  return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}

/** Every secret of the agent that has a value now, and where it goes. Variables come first: Claude Code prefers them to its login file. */
export async function credentialPlan(agent: CredentialHolder, options: PlanOptions): Promise<PlannedSecret[]> {
  const set = credentialSetOf(agent);
  const plan: PlannedSecret[] = [];
  const gatewayPlace: SecretPlace = options.gatewayOn ? 'gateway' : 'bottle-gateway-off';
  for (const name of secretEnvNames(agent.config)) {
    const fromHost = options.hostEnv[name];
    const fromEnvironment = fromHost !== undefined && fromHost !== '';
    const value = fromEnvironment ? fromHost : await readStoredEnv(set, name);
    if (value === null || value === '') continue;
    const placeholder = placeholderFor(set, envPlaceholderKind(name));
    const real = { value, inBottle: Buffer.from(value), placeholder, placeholderContent: Buffer.from(placeholder) };
    const entry = placed(agent, { env: name }, real, fromEnvironment ? 'bottle-from-environment' : gatewayPlace, null);
    if (entry !== null) plan.push(entry);
  }
  if (agent.config.transcriptDir === null) return plan;
  for (const name of agent.config.secretFiles) {
    const stored = await readStoredFile(set, name);
    if (stored === null) continue;
    const login = readOauthLogin(stored.content);
    // A declared login file that holds no login cannot be signed with: it stays out of the bottle.
    const signable = login === null ? null : { value: login.accessToken, placeholder: placeholderFor(set, 'oauth') };
    const declared = declarationFor(agent.config.credentials, { file: name }) !== undefined;
    if (declared && options.gatewayOn && signable === null) continue;
    const real = {
      value: signable?.value ?? '',
      inBottle: stored.content,
      placeholder: signable?.placeholder ?? '',
      placeholderContent: login === null ? stored.content : placeholderLoginFile(set, login),
    };
    const entry = placed(agent, { file: name }, real, gatewayPlace, stored.mtimeMs);
    if (entry !== null) plan.push(entry);
  }
  return plan;
}

/** A set's injections, from the store alone (what every core pushing the table agrees on). */
export async function storedInjections(agent: CredentialHolder): Promise<Injection[]> {
  const plan = await credentialPlan(agent, { gatewayOn: true, hostEnv: {} });
  return plan.flatMap((entry) => (entry.injection === null ? [] : [entry.injection]));
}

/**
 * What a launch puts into the bottle: each login file into the config folder and each secret
 * variable (as a file the wrapper reads), as a placeholder when the gateway signs with it, else
 * the real value.
 */
export async function launchSecrets(agent: CredentialHolder, options: PlanOptions): Promise<LaunchSecrets> {
  const plan = await credentialPlan(agent, options);
  const { transcriptDir } = agent.config;
  const secrets: LaunchSecrets = { files: [], env: [] };
  const fromEnvironment: string[] = [];
  for (const entry of plan) {
    if ('env' in entry.secret && entry.place === 'bottle-from-environment') fromEnvironment.push(entry.secret.env);
    if ('env' in entry.secret) secrets.env.push({ name: entry.secret.env, value: entry.inBottle.toString('utf8') });
    else if (transcriptDir !== null)
      secrets.files.push({ target: posix.join(transcriptDir, entry.secret.file), content: entry.inBottle, mtimeMs: entry.mtimeMs ?? 0 });
  }
  return fromEnvironment.length === 0 ? secrets : { ...secrets, fromEnvironment };
}
