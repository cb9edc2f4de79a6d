import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listAgents, loadAgent } from '../../src/core/agents/agents';
import { parsePasswd, resolveUser } from '../../src/core/engine/container-user';
import { containerCreateOptions, passthroughEnv } from '../../src/core/bottles/container-spec';
import { agentCopiesDir, claudeBottleRoot } from '../../src/core/state/state-paths';
import { useTempHome } from '../helpers/temp-home';
import { DEFAULT_AGENT_OPTIONS } from '../../src/core/agents/agent-options';

const home = useTempHome();

async function agentAt(dir: string, json: unknown, dockerfile = 'FROM scratch\n'): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'agent.json'), typeof json === 'string' ? json : JSON.stringify(json));
  if (dockerfile !== '') await writeFile(join(dir, 'Dockerfile'), dockerfile);
}

describe('agents', () => {
  it('ships a claude agent with the defaults filled in', async () => {
    const agent = await loadAgent('claude');
    expect(agent.source).toBe('builtin');
    expect(agent.config).toMatchObject({
      command: ['claude'],
      resumeCommand: ['claude', '--continue'],
      forkCommand: ['claude', '--continue', '--fork-session'],
      user: 'node',
      transcriptDir: '/home/node/.claude',
      env: [],
      workdir: '/workspace',
    });
    // Signing in once, autonomous mode, the operator's setup (issue 11).
    expect(agent.config).toMatchObject({
      secretFiles: ['.credentials.json'],
      secretEnv: ['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_API_KEY'],
      credentials: [
        { file: '.credentials.json', hosts: ['api.anthropic.com:443', 'mcp-proxy.anthropic.com:443'], header: 'authorization' },
        { env: 'CLAUDE_CODE_OAUTH_TOKEN', hosts: ['api.anthropic.com:443'], header: 'authorization' },
        { env: 'ANTHROPIC_AUTH_TOKEN', hosts: ['api.anthropic.com:443'], header: 'authorization' },
        { env: 'ANTHROPIC_API_KEY', hosts: ['api.anthropic.com:443'], header: 'x-api-key' },
      ],
      credentialSet: 'claude',
      autonomousArgs: ['--dangerously-skip-permissions'],
      rootEnv: { IS_SANDBOX: '1' },
      hostConfig: { from: '.claude', copy: ['settings.json', 'agents', 'commands', 'skills'], append: ['CLAUDE.md'] },
    });
  });

  it('applies defaults: resumeCommand = command, forkCommand = resumeCommand, workdir /workspace, no user, no transcript, no env', async () => {
    await agentAt(join(claudeBottleRoot(), 'agents', 'mini'), { command: ['sh'] });
    expect((await loadAgent('mini')).config).toEqual({
      description: '',
      command: ['sh'],
      resumeCommand: ['sh'],
      forkCommand: ['sh'],
      workdir: '/workspace',
      user: null,
      transcriptDir: null,
      env: [],
      ...DEFAULT_AGENT_OPTIONS,
    });
  });

  it('takes forkCommand, else resumeCommand, for the first launch of a fork', async () => {
    await agentAt(join(claudeBottleRoot(), 'agents', 'resumer'), { command: ['a'], resumeCommand: ['a', '-c'] });
    expect((await loadAgent('resumer')).config.forkCommand).toEqual(['a', '-c']);
    await agentAt(join(claudeBottleRoot(), 'agents', 'forker'), {
      command: ['a'],
      resumeCommand: ['a', '-c'],
      forkCommand: ['a', '-c', '--fork'],
    });
    expect((await loadAgent('forker')).config.forkCommand).toEqual(['a', '-c', '--fork']);
    await agentAt(join(claudeBottleRoot(), 'agents', 'badfork'), { command: ['a'], forkCommand: [] });
    await expect(loadAgent('badfork')).rejects.toThrow(/forkCommand/);
  });

  it('resolves a plain name in the user folder, then the shipped agents: never the project', async () => {
    const project = join(home(), 'project');
    await agentAt(join(project, '.claude-bottle', 'agents', 'claude'), { description: 'project claude', command: ['p'] });
    expect((await loadAgent('claude', project)).source).toBe('builtin');
    await agentAt(join(claudeBottleRoot(), 'agents', 'claude'), { description: 'user claude', command: ['u'] });
    expect((await loadAgent('claude', project)).config.command).toEqual(['u']);
    // The project's own agent is only ever `project:NAME`, listed apart and untrusted.
    const projectAgent = await loadAgent('project:claude', project);
    expect(projectAgent).toMatchObject({
      name: 'project:claude',
      source: 'project',
      origin: join(project, '.claude-bottle', 'agents', 'claude'),
    });
    // Read from a private copy of the folder, never from the folder the repository can change.
    expect(dirname(projectAgent.dir)).toBe(agentCopiesDir());
    const listed = await listAgents(project);
    expect(listed.filter((a) => a.name.endsWith('claude'))).toEqual([
      { name: 'claude', description: 'user claude', source: 'user', autonomous: false },
      { name: 'project:claude', description: 'project claude', source: 'project', autonomous: false, trust: 'untrusted' },
    ]);
    expect((await listAgents()).some((a) => a.source === 'project')).toBe(false);
  });

  it('names the project agent in the error when a plain name is only found there', async () => {
    const project = join(home(), 'project');
    await agentAt(join(project, '.claude-bottle', 'agents', 'local'), { command: ['p'] });
    await expect(loadAgent('local', project)).rejects.toThrow(/unknown agent "local" .*start it as project:local once you trust it/);
    await expect(loadAgent('project:local')).rejects.toThrow(/needs the project folder/);
    await expect(loadAgent('project:../x', project)).rejects.toThrow(/invalid agent name/);
  });

  it.each([
    ['invalid JSON', '{', /agent\.json: not valid JSON/],
    ['a missing command', { description: 'x' }, /field "command"/],
    ['an empty command', { command: [] }, /field "command": must name a program/],
    ['a relative transcriptDir', { command: ['x'], transcriptDir: 'rel' }, /field "transcriptDir": must be an absolute path/],
    ['a bad env name', { command: ['x'], env: ['A=B'] }, /field "env.0"/],
    ['an unknown key', { command: ['x'], privileged: true }, /privileged/],
    [
      'a secret file given as a path',
      { command: ['x'], transcriptDir: '/c', secretFiles: ['../etc/shadow'] },
      /field "secretFiles.0": must be a plain file name/,
    ],
    [
      'a secret file given as an absolute path',
      { command: ['x'], transcriptDir: '/c', secretFiles: ['/etc/shadow'] },
      /field "secretFiles.0": must be a plain file name/,
    ],
    ['a secret file in a sub-folder', { command: ['x'], transcriptDir: '/c', secretFiles: ['a/b.json'] }, /field "secretFiles.0"/],
    [
      'secret files without a config folder',
      { command: ['x'], secretFiles: ['.credentials.json'] },
      /field "secretFiles": needs transcriptDir/,
    ],
    [
      'a host setup outside the home folder',
      { command: ['x'], transcriptDir: '/c', hostConfig: { from: '/etc', copy: ['passwd'] } },
      /field "hostConfig.from": must be a folder under the home folder/,
    ],
    [
      'a host setup climbing out of the home folder',
      { command: ['x'], transcriptDir: '/c', hostConfig: { from: '~/../root', copy: ['x'] } },
      /field "hostConfig.from": must not contain "\.\."/,
    ],
    [
      'a host setup that copies the login',
      {
        command: ['x'],
        transcriptDir: '/c',
        secretFiles: ['.credentials.json'],
        hostConfig: { from: '~/.claude', copy: ['.credentials.json'] },
      },
      /field "hostConfig": must not copy the secret file \.credentials\.json/,
    ],
    ['a credential set that is a path', { command: ['x'], credentialSet: '../claude' }, /field "credentialSet"/],
    ['an empty autonomous argument', { command: ['x'], autonomousArgs: [''] }, /field "autonomousArgs.0"/],
  ])('refuses %s with the file and field named', async (_name, json, message) => {
    const dir = join(claudeBottleRoot(), 'agents', 'broken');
    await agentAt(dir, json);
    await expect(loadAgent('broken')).rejects.toThrow(message);
    await expect(loadAgent('broken')).rejects.toThrow(join(dir, 'agent.json'));
  });

  it('refuses an agent without a Dockerfile, an unknown agent and a hostile name', async () => {
    await agentAt(join(claudeBottleRoot(), 'agents', 'nodocker'), { command: ['x'] }, '');
    await expect(loadAgent('nodocker')).rejects.toThrow(/has no Dockerfile/);
    await expect(loadAgent('ghost')).rejects.toThrow(/unknown agent "ghost"/);
    await expect(loadAgent('../etc')).rejects.toThrow(/invalid agent name/);
  });

  it('does not follow a symlinked agent.json', async () => {
    const dir = join(claudeBottleRoot(), 'agents', 'linked');
    await mkdir(dir, { recursive: true });
    await writeFile(join(home(), 'elsewhere.json'), '{"command":["x"]}');
    await symlink(join(home(), 'elsewhere.json'), join(dir, 'agent.json'));
    await writeFile(join(dir, 'Dockerfile'), 'FROM x\n');
    await expect(loadAgent('linked')).rejects.toThrow(/cannot read/);
  });
});

describe('container spec', () => {
  it('is hardened by default and mounts only the project and supervision paths', () => {
    const options = containerCreateOptions({
      identity: 'dev-abcde',
      agentName: 'dev',
      agent: {
        description: '',
        command: ['x'],
        resumeCommand: ['x'],
        forkCommand: ['x'],
        workdir: '/workspace',
        user: 'node',
        transcriptDir: null,
        env: [],
        ...DEFAULT_AGENT_OPTIONS,
      },
      image: 'img',
      imagePath: '/usr/bin:/bin',
      command: ['x'],
      user: '1000:1000',
      home: '/home/node',
      mountCwd: '/home/me/project',
      gitControl: [],
      toolDir: '/app/resources/bottle',
      hostMounts: true,
      passthroughEnv: ['ANTHROPIC_API_KEY=sk-test'],
      limits: { cpus: 1.5, logMaxSize: '10m', logMaxFiles: 3 },
    });
    expect(options.name).toBe('claude-bottle-dev-abcde');
    expect(options.Labels).toEqual({
      'claude-bottle.identity': 'dev-abcde',
      'claude-bottle.agent': 'dev',
      'claude-bottle.managed': 'true',
      'claude-bottle.instance': readFileSync(join(home(), 'instance-id'), 'utf8').trim(),
    });
    expect(options.HostConfig).toMatchObject({
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: [],
      SecurityOpt: ['no-new-privileges:true'],
      AutoRemove: false,
    });
    expect(options.HostConfig?.PidsLimit).toBeGreaterThan(0);
    expect(options.HostConfig?.Memory).toBeGreaterThan(0);
    expect(options.HostConfig?.NanoCpus).toBe(1_500_000_000);
    expect(options.HostConfig?.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
    const mounts = options.HostConfig?.Mounts ?? [];
    expect(mounts.map((m) => [m.Type, m.Target, m.ReadOnly])).toEqual([
      ['bind', '/workspace', false],
      ['bind', '/opt/claude-bottle', true],
      ['bind', '/run/claude-bottle/inbox', false],
      ['bind', '/run/claude-bottle/Dockerfile', true],
    ]);
    expect(mounts[0]?.Source).toBe('/home/me/project');
    expect(JSON.stringify(mounts)).not.toContain('docker.sock');
    expect(options.HostConfig?.Binds).toBeUndefined();
    expect(options.Env).toEqual([
      'CLAUDE_BOTTLE_IDENTITY=dev-abcde',
      'PATH=/usr/bin:/bin:/opt/claude-bottle/bin',
      'HOME=/home/node',
      'ANTHROPIC_API_KEY=sk-test',
    ]);
    expect(options).toMatchObject({ Tty: true, OpenStdin: true, User: '1000:1000', WorkingDir: '/workspace' });
  });

  it('passes through only the named variables that are set', () => {
    expect(passthroughEnv(['A', 'B', 'C'], { A: '1', C: '' })).toEqual(['A=1', 'C=']);
  });

  it('resolves users by name, uid and uid:gid against the image passwd', () => {
    const passwd = parsePasswd('root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/bash\nbroken line\n');
    expect(resolveUser('node', passwd)).toEqual({ uid: 1000, gid: 1000, home: '/home/node' });
    expect(resolveUser('0:0', passwd)).toEqual({ uid: 0, gid: 0, home: '/root' });
    expect(resolveUser('1000', passwd)).toEqual({ uid: 1000, gid: 1000, home: '/home/node' });
    expect(resolveUser('4242:4242', passwd)).toEqual({ uid: 4242, gid: 4242, home: '/tmp' });
    expect(resolveUser(null, passwd)).toEqual({ uid: 0, gid: 0, home: '/root' });
  });
});
