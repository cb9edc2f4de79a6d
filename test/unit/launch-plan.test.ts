import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_OPTIONS } from '../../src/core/agents/agent-options';
import { agentDefinition, type AgentConfig, type AgentDefinition } from '../../src/core/agents/agents';
import { launchSecrets } from '../../src/core/credentials/credential-plan';
import { parsePasswd } from '../../src/core/engine/container-user';
import { LABEL_IDENTITY, LABEL_INSTANCE } from '../../src/core/engine/bottle-containers';
import { SECRETS_DIR, SECRETS_WRAPPER } from '../../src/core/bottles/bottle-setup';
import { SSH_CONFIG_TARGET } from '../../src/core/bottles/bottle-ssh-config';
import { RUN_MOUNT, TOOL_MOUNT, WORKSPACE } from '../../src/core/engine/bottle-mounts';
import { gitControlMounts, prepareGitControl } from '../../src/core/bottles/git-control-mounts';
import { containerUser, planLaunch, type LaunchFacts } from '../../src/core/bottles/launch-plan';
import { instanceId } from '../../src/core/state/instance-id';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useTempHome } from '../helpers/temp-home';

const root = useTempHome();
const run = promisify(execFile);

const IDENTITY = 'demo-1';
// node is uid 1000 with its home at /home/node; toor is root under another name.
const PASSWD = parsePasswd('root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\ntoor:x:0:0::/home/toor:/bin/sh\n');

const config = (overrides: Partial<AgentConfig> = {}): AgentConfig => ({
  description: '',
  command: ['claude'],
  resumeCommand: ['claude', '--continue'],
  forkCommand: ['claude', '--continue'],
  workdir: WORKSPACE,
  user: 'node',
  transcriptDir: '/home/node/.claude',
  env: [],
  ...DEFAULT_AGENT_OPTIONS,
  ...overrides,
});
const agentWith = (overrides: Partial<AgentConfig> = {}): AgentDefinition =>
  agentDefinition({ name: 'claude', dir: '/nowhere', source: 'builtin', config: config(overrides) });

/** A fresh copy-mode first start on a local engine, as gathered; each test changes what it is about. */
const facts = (overrides: Partial<LaunchFacts> = {}): LaunchFacts => ({
  identity: IDENTITY,
  agent: agentWith(),
  cwd: join(root(), 'project'),
  copyCwd: true,
  folderOwner: null,
  resume: false,
  options: { autonomous: false, name: null, task: null },
  image: { ref: 'claude-bottle-agent-claude:abc', id: 'sha256:abc', path: '/usr/bin:/bin', user: 'node' },
  gatewayCa: null,
  cachedPasswd: PASSWD,
  secrets: { files: [], env: [] },
  hostEnv: {},
  limits: { cpus: 2, logMaxSize: '10m', logMaxFiles: 3 },
  hostMounts: true,
  gitControl: [],
  toolDir: '/opt/tool-on-host',
  dockerfile: 'FROM scratch\n',
  snapshots: { transcript: false, workspace: false },
  route: null,
  ...overrides,
});

const envOf = (plan: ReturnType<typeof planLaunch>): string[] => plan.create.Env ?? [];
const mountTargets = (plan: ReturnType<typeof planLaunch>): string[] =>
  (plan.create.HostConfig?.Mounts ?? []).map((mount) => mount.Target ?? '');

describe('the launch plan: copy or mount', () => {
  it('copy mode runs as the agent, binds only the supervision paths and puts the project folder in, less .dockerignore', () => {
    const ignore = (path: string): boolean => path === 'secret.txt';
    const plan = planLaunch(facts({ workspaceIgnore: ignore }), PASSWD, []);
    expect(plan.create.User).toBe('node');
    expect(plan.create.Labels?.[LABEL_IDENTITY]).toBe(IDENTITY);
    expect(plan.create.Labels?.[LABEL_INSTANCE]).toBe(instanceId());
    expect(mountTargets(plan)).toEqual([TOOL_MOUNT, `${RUN_MOUNT}/inbox`, `${RUN_MOUNT}/Dockerfile`]);
    expect(plan.run).toEqual({ uid: 1000, gid: 1000 });
    expect(plan.handOverInbox).toBe(true);
    expect(plan.sources).toEqual([{ target: WORKSPACE, from: facts().cwd, ignore }]);
    expect(envOf(plan).some((entry) => entry.startsWith('HOME='))).toBe(false);
    expect(plan.baseline).toEqual({ identity: IDENTITY, cwd: facts().cwd, copy: true });
  });

  it("mount mode runs as the folder's owner, binds the folder with its git control read-only, and hands the agent's home over", async () => {
    const cwd = join(root(), 'project');
    await mkdir(cwd);
    await run('git', ['init', '-q', cwd]);
    // As the launch does before it plans: whatever git would read exists, to be mounted read-only.
    prepareGitControl(cwd, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
    const plan = planLaunch(
      facts({ cwd, copyCwd: false, folderOwner: { uid: 4242, gid: 4343 }, gitControl: gitControlMounts(cwd) }),
      PASSWD,
      [],
    );
    expect(plan.create.User).toBe('4242:4343');
    const mounts = plan.create.HostConfig?.Mounts ?? [];
    expect(mounts[0]).toEqual({ Type: 'bind', Source: cwd, Target: WORKSPACE, ReadOnly: false });
    expect(mounts.find((mount) => mount.Target === `${WORKSPACE}/.git/config`)?.ReadOnly).toBe(true);
    expect(mounts.find((mount) => mount.Target === `${WORKSPACE}/.git/hooks`)?.ReadOnly).toBe(true);
    // Docker would give uid 4242 no home: HOME points at the agent's, which is handed over with its config folder.
    expect(envOf(plan)).toContain('HOME=/home/node');
    expect(plan.run).toEqual({ uid: 4242, gid: 4343 });
    expect(plan.sources).toEqual([
      { target: '/home/node', from: null },
      { target: '/home/node/.claude', from: null },
    ]);
    expect(plan.baseline).toEqual({ identity: IDENTITY, cwd, copy: false });
  });

  it('a resume puts back what the stop saved and takes no new baseline', () => {
    const paths = bottlePaths(IDENTITY);
    const plan = planLaunch(facts({ resume: true, snapshots: { transcript: true, workspace: true } }), PASSWD, []);
    expect(plan.create.Cmd).toEqual(['claude', '--continue']);
    expect(plan.sources).toEqual([
      { target: '/home/node/.claude', from: paths.transcript },
      { target: WORKSPACE, from: paths.workspace },
    ]);
    expect(plan.baseline).toBeNull();
  });
});

describe('the launch plan on a remote engine', () => {
  it('mounts nothing of this machine: the tool, the run folder, the inbox and the Dockerfile are put in, root-owned where the agent only reads', () => {
    const plan = planLaunch(facts({ hostMounts: false }), PASSWD, []);
    expect(plan.create.HostConfig?.Mounts).toEqual([]);
    expect(plan.handOverInbox).toBe(false);
    expect(plan.sources.slice(0, 3)).toEqual([
      { target: TOOL_MOUNT, from: '/opt/tool-on-host', owner: { uid: 0, gid: 0 }, readOnly: true },
      { target: RUN_MOUNT, from: null, owner: { uid: 0, gid: 0 } },
      { target: `${RUN_MOUNT}/inbox`, from: bottlePaths(IDENTITY).inbox },
    ]);
    expect(plan.entries).toEqual([
      { target: `${RUN_MOUNT}/Dockerfile`, type: 'file', content: Buffer.from('FROM scratch\n'), mode: 0o444, owner: { uid: 0, gid: 0 } },
    ]);
  });
});

describe('the launch plan as root', () => {
  const rootAgent = agentWith({ user: null, rootEnv: { IS_SANDBOX: '1' } });

  it('gives the rootEnv to an agent whose image runs it as root, before and after its passwd is known', () => {
    const asRoot = facts({ agent: rootAgent, image: { ...facts().image, user: null } });
    expect(containerUser(asRoot, null)).toEqual({ home: null, extraEnv: ['IS_SANDBOX=1'] });
    expect(envOf(planLaunch(asRoot, PASSWD, []))).toContain('IS_SANDBOX=1');
    expect(planLaunch(asRoot, PASSWD, []).create.User).toBeUndefined();
  });

  it('judges root by the uid the passwd gives, never by how the name reads', () => {
    const toor = facts({ agent: rootAgent, image: { ...facts().image, user: 'toor' } });
    // Before the passwd is read a name says nothing; the launch then reads it and recreates.
    expect(containerUser(toor, null).extraEnv).toEqual([]);
    expect(envOf(planLaunch(toor, PASSWD, []))).toContain('IS_SANDBOX=1');
    const node = facts({ agent: rootAgent, image: { ...facts().image, user: 'node' } });
    expect(envOf(planLaunch(node, PASSWD, []))).not.toContain('IS_SANDBOX=1');
  });

  it('gives it as root when a root-owned project folder is mounted, with HOME at the agent home', () => {
    const plan = planLaunch(
      facts({ copyCwd: false, folderOwner: { uid: 0, gid: 0 }, agent: agentWith({ rootEnv: { IS_SANDBOX: '1' } }) }),
      PASSWD,
      [],
    );
    expect(plan.create.User).toBe('0:0');
    expect(envOf(plan)).toEqual(expect.arrayContaining(['IS_SANDBOX=1', 'HOME=/home/node']));
  });
});

describe('the launch plan: command and secrets', () => {
  const autonomousAgent = agentWith({ autonomousArgs: ['--dangerously-skip-permissions'] });

  it('appends the autonomous args when the bottle was launched autonomous, at start and resume', () => {
    expect(
      planLaunch(facts({ agent: autonomousAgent, options: { autonomous: true, name: null, task: null } }), PASSWD, []).create.Cmd,
    ).toEqual(['claude', '--dangerously-skip-permissions']);
    const resumed = planLaunch(
      facts({ agent: autonomousAgent, options: { autonomous: true, name: null, task: null }, resume: true }),
      PASSWD,
      [],
    );
    expect(resumed.create.Cmd).toEqual(['claude', '--continue', '--dangerously-skip-permissions']);
    expect(planLaunch(facts({ agent: autonomousAgent }), PASSWD, []).create.Cmd).toEqual(['claude']);
    expect(() => planLaunch(facts({ options: { autonomous: true, name: null, task: null } }), PASSWD, [])).toThrow(
      /has no autonomous mode/,
    );
  });

  it('passes plain names as variables and secret-looking ones only as files read by the wrapper', async () => {
    const agent = agentWith({ env: ['PLAIN_SETTING', 'GH_TOKEN', 'UNSET_ONE'] });
    const hostEnv = { PLAIN_SETTING: 'plain', GH_TOKEN: 'ghp_secret' };
    const secrets = await launchSecrets(agent, { gatewayOn: true, hostEnv: hostEnv });
    const plan = planLaunch(facts({ agent, hostEnv, secrets }), PASSWD, []);
    expect(envOf(plan)).toContain('PLAIN_SETTING=plain');
    expect(envOf(plan).join('\n')).not.toContain('ghp_secret');
    expect(envOf(plan).some((entry) => entry.startsWith('UNSET_ONE'))).toBe(false);
    expect(plan.create.Cmd).toEqual([SECRETS_WRAPPER, 'claude']);
    expect(plan.secrets).toEqual([
      { target: SECRETS_DIR, type: 'directory', mode: 0o700 },
      { target: `${SECRETS_DIR}/GH_TOKEN`, type: 'file', content: Buffer.from('ghp_secret'), mode: 0o600 },
    ]);
  });

  it("creates the config folder, the agent's, before login files or the operator's setup go into it", () => {
    const login = { files: [{ target: '/home/node/.claude/.credentials.json', content: Buffer.from('{}'), mtimeMs: 0 }], env: [] };
    const withLogin = planLaunch(facts({ secrets: login }), PASSWD, []);
    expect(withLogin.sources[0]).toEqual({ target: '/home/node/.claude', from: null });
    const setup = [{ target: '/home/node/.claude/CLAUDE.md', type: 'file' as const, content: Buffer.from('x'), mode: 0o644 }];
    const withSetup = planLaunch(facts(), PASSWD, setup);
    expect(withSetup.sources[0]).toEqual({ target: '/home/node/.claude', from: null });
    expect(withSetup.entries).toEqual(setup);
    expect(planLaunch(facts(), PASSWD, []).sources.some((source) => source.target === '/home/node/.claude')).toBe(false);
  });
});

describe('the launch plan: the bottle on its own network (issue 19, settings.json gatewayNetwork)', () => {
  const route = { network: 'claude-bottle-net-x', bottleIp: '10.213.4.11', gatewayIp: '10.213.4.10' };

  it('off: the engine default network, no proxy variables, IPv6 untouched', () => {
    const plan = planLaunch(facts(), PASSWD, []);
    expect(plan.create.HostConfig?.NetworkMode).toBeUndefined();
    expect(plan.create.NetworkingConfig).toBeUndefined();
    expect(envOf(plan).filter((entry) => /proxy/i.test(entry))).toEqual([]);
  });

  it('on: only its network at the fixed address, IPv6 off, the proxy by address, and no proxy variable of the agent survives', () => {
    const plan = planLaunch(
      facts({ route, hostEnv: { HTTPS_PROXY: 'http://evil:1' }, agent: agentWith({ env: ['HTTPS_PROXY'] }) }),
      PASSWD,
      [],
    );
    expect(plan.create.HostConfig?.NetworkMode).toBe('claude-bottle-net-x');
    expect(plan.create.NetworkingConfig).toEqual({
      EndpointsConfig: { 'claude-bottle-net-x': { IPAMConfig: { IPv4Address: '10.213.4.11' } } },
    });
    expect(plan.create.HostConfig?.Sysctls).toEqual({ 'net.ipv6.conf.all.disable_ipv6': '1' });
    const proxyEnv = envOf(plan).filter((entry) => /proxy/i.test(entry));
    expect(proxyEnv.sort()).toEqual(
      [
        'HTTP_PROXY=http://10.213.4.10:3128',
        'HTTPS_PROXY=http://10.213.4.10:3128',
        'http_proxy=http://10.213.4.10:3128',
        'https_proxy=http://10.213.4.10:3128',
        'NO_PROXY=localhost,127.0.0.1',
        'no_proxy=localhost,127.0.0.1',
      ].sort(),
    );
    // The hardening stays as it is without the route.
    expect(plan.create.HostConfig?.CapDrop).toEqual(['ALL']);
  });

  it("on: ssh is told to go through the gateway (a root-owned, read-only ssh_config.d file), on local and remote engines; off: nothing of ssh's is touched", () => {
    for (const hostMounts of [true, false]) {
      const entry = planLaunch(facts({ route, hostMounts }), PASSWD, []).entries.find((item) => item.target === SSH_CONFIG_TARGET);
      expect(entry).toMatchObject({ type: 'file', mode: 0o444, owner: { uid: 0, gid: 0 } });
      expect(entry?.content?.toString()).toContain(`Host *\n    ProxyCommand ${TOOL_MOUNT}/bin/claude-bottle-connect %h %p\n`);
    }
    expect(planLaunch(facts(), PASSWD, []).entries.filter((item) => item.target.startsWith('/etc/ssh'))).toEqual([]);
    // The operator's own setup is put in after it: a file of theirs at that path is theirs.
    const own = { target: SSH_CONFIG_TARGET, type: 'file' as const, content: Buffer.from('# mine\n'), mode: 0o644 };
    expect(planLaunch(facts({ route }), PASSWD, [own]).entries.at(-1)).toBe(own);
  });
});
