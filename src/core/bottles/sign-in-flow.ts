import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { loadAgent, type AgentDefinition } from '../agents/agents';
import type { SignInSpec } from '../agents/agent-options';
import { BottleError, errorMessage } from '../base/bottle-error';
import { bottleToolDir } from '../base/resources';
import { ensureAgentImage } from './bottle-image';
import { prepareRoute, retireRouteWhenIdle } from './bottle-route';
import { containerCreateOptions, type GatewayRoute } from './container-spec';
import { containerLimits } from './launch-facts';
import { rawAttachment, type RawAttachment } from './terminal-sessions';
import type { CoreDeps } from '../deps/core-deps';
import { putFolders } from '../engine/container-archive';
import { readContainerFile } from '../engine/container-files';
import { resolveUser } from '../engine/container-user';
import type { EngineContainer, ImageInspectInfo } from '../engine/engine-client';
import { readAndCacheImagePasswd } from '../engine/image-users';
import { readSettings } from '../state/settings';
import { imageCacheDir } from '../state/state-paths';
import { credentialSetOf } from '../credentials/agent-secrets';
import { MAX_SECRET_BYTES, storeSignIn } from '../credentials/credential-store';
import { removeSignInLeftovers, removeSignInObjects } from './sign-in-leftovers';
import { signInLabels, SIGN_IN_IDENTITY_PREFIX } from './sign-in-labels';
import { loginProblem } from '../credentials/sign-in-login';

/*
 * The sign-in flow (issue 20, `credentials login` and the header's Sign in): the only way a login
 * made in a container reaches the store. A short-lived container of the agent's image, built as a
 * launch builds it, with no project, no workspace, no state folder and the agent's config folder
 * empty, whose only way out is the gateway, on a network of its own whose policy allows the
 * agent's signIn hosts and nothing else (locked: nothing is asked). Its TTY goes to the operator's
 * terminal. When its command exits 0, the login files it wrote move to the store; the container
 * and its network go in every case, and what a crashed run left is cleaned by the next one.
 */

export interface SignInOptions {
  /** The agent to sign in (default: the shipped Claude Code agent, `claude`). */
  agent?: string;
  /**
   * Connects the front end's terminal to the flow's TTY, attached before the command starts so its
   * first words (a URL to open) are not lost; resolves when the front end is done with it.
   */
  terminal(attachment: RawAttachment): Promise<void>;
  /** Lines of what is being prepared (the image build). */
  progress?(line: string): void;
  /** Aborted: the flow's container is killed, nothing is stored, everything is removed. */
  signal?: AbortSignal;
}

export interface SignInResult {
  set: string;
  agent: string;
  /** The login files stored. */
  files: string[];
}

/** The agent's declared flow, or a one-line refusal. */
function signInSpecOf(agent: AgentDefinition): SignInSpec & { configDir: string } {
  const spec = agent.config.signIn;
  const configDir = agent.config.transcriptDir;
  if (spec === null || configDir === null)
    throw new BottleError('unsupported', `agent "${agent.name}" declares no sign-in (agent.json "signIn")`);
  return { ...spec, configDir };
}

/** The container: hardened as every bottle is, nothing of this machine mounted, no variable of the host passed. */
function createOptions(
  identity: string,
  agent: AgentDefinition,
  spec: SignInSpec,
  image: { ref: string; info: ImageInspectInfo },
  route: GatewayRoute,
  limits: Awaited<ReturnType<typeof containerLimits>>,
): ReturnType<typeof containerCreateOptions> {
  const options = containerCreateOptions({
    identity,
    agentName: agent.name,
    agent: agent.config,
    image: image.ref,
    imagePath: image.info.Config.Env?.find((entry) => entry.startsWith('PATH='))?.slice(5) ?? null,
    command: spec.command,
    user: agent.config.user ?? (image.info.Config.User || null),
    home: null,
    mountCwd: null,
    gitControl: [],
    toolDir: bottleToolDir(),
    hostMounts: false,
    passthroughEnv: [],
    limits,
    route,
  });
  // Not a bottle's labels: without `managed` no listing, event or stats takes it for a bottle.
  return { ...options, Labels: signInLabels(identity, agent.name, spec.hosts) };
}

/** The login files the command wrote, each checked; a one-line refusal when there is none or one is no login. */
async function collectLogin(
  container: EngineContainer,
  agent: AgentDefinition,
  configDir: string,
): Promise<{ name: string; content: Buffer }[]> {
  const files: { name: string; content: Buffer }[] = [];
  for (const name of agent.config.secretFiles) {
    const path = posix.join(configDir, name);
    const file = await readContainerFile(container, path, MAX_SECRET_BYTES);
    if (file === null) continue;
    const problem = loginProblem(name, file.content);
    if (problem !== null)
      throw new BottleError('invalid-argument', `the sign-in wrote no usable login: ${problem}; the stored login is unchanged`);
    files.push({ name, content: file.content });
  }
  if (files.length === 0)
    throw new BottleError(
      'not-found',
      `the sign-in finished without a login (no ${agent.config.secretFiles.join(' or ')} in ${configDir}); the stored login is unchanged`,
    );
  return files;
}

/** Runs the container to its end with the front end's terminal on it; its exit code. */
async function runAttached(container: EngineContainer, options: SignInOptions): Promise<number> {
  const attachment = await rawAttachment(container);
  const session = options.terminal(attachment);
  const kill = (): void => {
    // Already gone (exited, removed) is fine: the wait below ends either way.
    container.kill().catch((_error: unknown) => undefined);
  };
  const cancelled = (): boolean => options.signal?.aborted === true;
  options.signal?.addEventListener('abort', kill, { once: true });
  try {
    if (cancelled()) throw new BottleError('conflict', 'sign-in cancelled; the stored login is unchanged');
    await container.start();
    const code = await container.wait();
    // The TTY's stream ends with the container; the front end finishes writing what it got.
    await session;
    if (cancelled()) throw new BottleError('conflict', 'sign-in cancelled; the stored login is unchanged');
    return code;
  } finally {
    options.signal?.removeEventListener('abort', kill);
    attachment.stream.destroy();
  }
}

/**
 * Signs an agent in: runs its signIn command in the flow's container and, when it exits 0 with a
 * login written, stores that login (replacing the stored one). Any failure is one line and leaves
 * the store as it was; the container and its network are removed either way.
 */
export async function runSignIn(ctx: CoreDeps, options: SignInOptions): Promise<SignInResult> {
  const agent = await loadAgent(options.agent ?? 'claude');
  const spec = signInSpecOf(agent);
  if (!(await readSettings()).gatewayNetwork)
    throw new BottleError(
      'unsupported',
      'signing in needs the network gateway (settings.json "gatewayNetwork" is off): its container may reach only the sign-in hosts',
    );
  await removeSignInLeftovers(ctx.docker);
  const progress = options.progress ?? ((): void => undefined);
  const ref = await ensureAgentImage(ctx, agent, (update) => progress(update.line));
  const identity = `${SIGN_IN_IDENTITY_PREFIX}${randomBytes(6).toString('hex')}`;
  let failed = true;
  try {
    progress('Preparing the sign-in network');
    const route = await prepareRoute(ctx, identity, signInLabels(identity, agent.name, spec.hosts));
    if (route === null) throw new BottleError('unsupported', 'the network gateway was turned off meanwhile: not signed in');
    const info = await ctx.docker.getImage(ref).inspect();
    const container = await ctx.docker.createContainer(
      createOptions(identity, agent, spec, { ref, info }, route, await containerLimits(ctx)),
    );
    const passwd = await readAndCacheImagePasswd(imageCacheDir(), info.Id, container);
    const owner = resolveUser(agent.config.user ?? (info.Config.User || null), passwd);
    // The config folder, empty and the agent's: nothing of the operator's, no earlier login.
    await putFolders(container, [{ target: spec.configDir, from: null }], { uid: owner.uid, gid: owner.gid });
    // By engine, not identity: the flow has no state folder to say its engine (it runs on the current one).
    await ctx.gateways.readyOn(ctx.engine.name);
    const code = await runAttached(container, options);
    if (code !== 0) throw new BottleError('conflict', `the sign-in command exited with code ${code}; the stored login is unchanged`);
    const files = await collectLogin(container, agent, spec.configDir);
    const set = credentialSetOf(agent);
    await storeSignIn(set, files);
    failed = false;
    return { set, agent: agent.name, files: files.map((file) => file.name) };
  } finally {
    await cleanUp(ctx, identity, failed);
  }
}

/**
 * The flow's container and network removed, and the gateway with them when nothing else of this
 * root needs it. When this fails after a sign-in that failed too, the sign-in's own error is the one
 * the operator hears (an engine gone away fails both alike); what is left is labelled, and the next
 * sign-in or a bottle's removal removes it.
 */
async function cleanUp(ctx: CoreDeps, identity: string, failed: boolean): Promise<void> {
  try {
    await removeSignInObjects(ctx.docker, identity);
    await retireRouteWhenIdle(ctx);
  } catch (error: unknown) {
    if (failed) return;
    throw new BottleError(
      'engine-unavailable',
      `signed in, but could not remove the sign-in container ${identity}: ${errorMessage(error)} (the next sign-in removes it)`,
    );
  }
}
