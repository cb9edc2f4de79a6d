import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgent } from '../../src/core/agents/agents';
import { bottleNetworkPolicy } from '../../src/core/bottles/bottle-network-policy';
import {
  addBottleNetworkRule,
  DEFAULT_BOTTLE_NETWORK,
  readBottleNetwork,
  removeBottleNetworkRule,
  setBottleNetworkMode,
  writeBottleNetwork,
} from '../../src/core/state/bottle-network';
import { operatorNetworkRules, readSettings } from '../../src/core/state/settings';
import { bottlePaths, claudeBottleRoot, settingsPath, stateDir } from '../../src/core/state/state-paths';
import { collectRules, decideNetwork } from '../../src/shared/network-policy';
import { useTempHome } from '../helpers/temp-home';

const home = useTempHome();
const ID = 'dev-a4f8c';

async function agentAt(name: string, json: unknown): Promise<string> {
  const dir = join(claudeBottleRoot(), 'agents', name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'agent.json'), JSON.stringify(json));
  await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
  return join(dir, 'agent.json');
}

describe('agent.json network.allow', () => {
  it('the shipped claude agent lists what Claude Code needs to sign in, talk to its API and report errors', async () => {
    const agent = await loadAgent('claude');
    expect(agent.config.networkAllow).toEqual([
      'api.anthropic.com:443',
      'platform.claude.com:443',
      'http-intake.logs.us5.datadoghq.com:443',
    ]);
    const { rules } = collectRules({ definition: { allow: agent.config.networkAllow } });
    expect(decideNetwork({ mode: 'locked', rules, target: { host: 'api.anthropic.com', port: 443 } }).verdict).toBe('allow');
    expect(decideNetwork({ mode: 'locked', rules, target: { host: 'downloads.claude.ai', port: 443 } }).verdict).toBe('deny');
  });

  it('is optional, and kept in canonical text', async () => {
    await agentAt('mini', { command: ['sh'] });
    expect((await loadAgent('mini')).config.networkAllow).toEqual([]);
    await agentAt('idn', { command: ['sh'], network: { allow: ['Bücher.Example.:443', 'EXAMPLE.com'] } });
    expect((await loadAgent('idn')).config.networkAllow).toEqual(['xn--bcher-kva.example:443', 'example.com']);
  });

  it.each([
    ['a bare *', { allow: ['*'] }, /field "network\.allow": rule 1: "\*": a bare \* would allow every host/],
    [
      'a private address',
      { allow: ['api.example.com:443', '10.0.0.5:22'] },
      /field "network\.allow": rule 2: 10\.0\.0\.5:22: an agent definition cannot open a private address/,
    ],
    ['the metadata address', { allow: ['169.254.169.254:80'] }, /metadata address, which no rule can open/],
    ['a deny list', { allow: [], deny: ['x.example.com'] }, /field "network": Unrecognized key: "deny"/],
    ['a bad port', { allow: ['example.com:99999'] }, /field "network\.allow": rule 1: "example\.com:99999": port "99999"/],
    ['a string for the list', { allow: 'example.com' }, /field "network\.allow"/],
    ['a number in the list', { allow: [443] }, /field "network\.allow\.0"/],
  ])('refuses %s with the file and field named', async (_what, network, message) => {
    const file = await agentAt('broken', { command: ['sh'], network });
    await expect(loadAgent('broken')).rejects.toThrow(message);
    await expect(loadAgent('broken')).rejects.toThrow(file);
  });
});

describe('settings.json network', () => {
  it('defaults to no rules', async () => {
    expect((await readSettings()).network).toEqual({ allow: [], deny: [], agents: {} });
  });

  it('holds rules for all bottles and per agent, in canonical text', async () => {
    await writeFile(
      settingsPath(),
      JSON.stringify({
        network: {
          allow: ['GitHub.com:443', '10.0.0.5:8080'],
          deny: ['*.datadoghq.com:443'],
          agents: { claude: { allow: ['registry.npmjs.org:443'] }, 'project:tool': { deny: ['example.com'] } },
        },
      }),
    );
    const { network } = await readSettings();
    expect(network).toEqual({
      allow: ['github.com:443', '10.0.0.5:8080'],
      deny: ['*.datadoghq.com:443'],
      agents: { claude: { allow: ['registry.npmjs.org:443'], deny: [] }, 'project:tool': { allow: [], deny: ['example.com'] } },
    });
    expect(operatorNetworkRules(network, 'claude')).toEqual({
      operator: { allow: ['github.com:443', '10.0.0.5:8080'], deny: ['*.datadoghq.com:443'] },
      agent: { allow: ['registry.npmjs.org:443'], deny: [] },
    });
    expect(operatorNetworkRules(network, 'constructor').agent).toEqual({ allow: [], deny: [] });
  });

  it.each([
    [
      'a bad pattern',
      { allow: ['*.com'] },
      /settings\.json: field "network\.allow": rule 1: "\*\.com": \*\.com would match a whole top-level domain/,
    ],
    ['an IP range', { deny: ['10.0.0.0/8:22'] }, /field "network\.deny": rule 1: .*names a range/],
    ['an unknown key', { block: [] }, /field "network": Unrecognized key: "block"/],
    ['a bad agent name', { agents: { '../x': { allow: [] } } }, /field "network\.agents": "\.\.\/x" is not an agent name/],
    [
      'a bad per-agent rule',
      { agents: { claude: { allow: ['0x7f.1:80'] } } },
      /field "network\.agents\.claude\.allow": rule 1: .*write the address as 127\.0\.0\.1/,
    ],
  ])('refuses %s with a one-line error naming the file and field', async (_what, network, message) => {
    await writeFile(settingsPath(), JSON.stringify({ network }));
    const error = await readSettings().then(
      () => null,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  });
});

describe("a bottle's network.json", () => {
  const file = (): string => bottlePaths(ID).network;

  it('is in the bottle state folder; no file: ask mode and no rules', async () => {
    expect(file()).toBe(join(stateDir(ID), 'network.json'));
    expect(await readBottleNetwork(ID)).toEqual(DEFAULT_BOTTLE_NETWORK);
    expect(DEFAULT_BOTTLE_NETWORK.mode).toBe('ask');
  });

  it('is written atomically and read back; answers add rules once and flip allow and deny', async () => {
    await mkdir(stateDir(ID), { recursive: true });
    await writeBottleNetwork(ID, { mode: 'locked', allow: [], deny: [] });
    await addBottleNetworkRule(ID, 'allow', 'Example.com:443');
    await addBottleNetworkRule(ID, 'allow', 'example.com.:443');
    await addBottleNetworkRule(ID, 'deny', 'tracker.example.com');
    expect(await readBottleNetwork(ID)).toEqual({ mode: 'locked', allow: ['example.com:443'], deny: ['tracker.example.com'] });
    await addBottleNetworkRule(ID, 'deny', 'example.com:443');
    expect(await readBottleNetwork(ID)).toEqual({ mode: 'locked', allow: [], deny: ['tracker.example.com', 'example.com:443'] });
    await removeBottleNetworkRule(ID, 'EXAMPLE.com:443');
    await setBottleNetworkMode(ID, 'open');
    expect(await readBottleNetwork(ID)).toEqual({ mode: 'open', allow: [], deny: ['tracker.example.com'] });
    expect(JSON.parse(await readFile(file(), 'utf8'))).toEqual({ version: 1, mode: 'open', allow: [], deny: ['tracker.example.com'] });
    expect((await readdir(stateDir(ID))).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
  });

  it('loses no answer when many arrive at once', async () => {
    await mkdir(stateDir(ID), { recursive: true });
    await Promise.all(Array.from({ length: 30 }, (_, index) => addBottleNetworkRule(ID, 'allow', `host${index}.example.com:443`)));
    expect((await readBottleNetwork(ID)).allow).toHaveLength(30);
  });

  it('refuses a bad rule or mode before touching the file', async () => {
    await mkdir(stateDir(ID), { recursive: true });
    await expect(addBottleNetworkRule(ID, 'allow', '*')).rejects.toThrow(/a bare \*/);
    await expect(writeBottleNetwork(ID, { mode: 'wide' as 'open', allow: [], deny: [] })).rejects.toThrow(/network\.json field "mode"/);
    await expect(readdir(stateDir(ID))).resolves.toEqual([]);
  });

  it('never creates a state folder for a bottle that has none, nor writes through a linked one', async () => {
    await expect(addBottleNetworkRule(ID, 'allow', 'example.com')).rejects.toThrow(`no bottle ${ID}`);
    await expect(readdir(join(home(), 'state'))).rejects.toThrow(/ENOENT/);
    await mkdir(join(home(), 'elsewhere'));
    await mkdir(join(home(), 'state'));
    await symlink(join(home(), 'elsewhere'), stateDir(ID));
    await expect(setBottleNetworkMode(ID, 'open')).rejects.toThrow(`no bottle ${ID}`);
    expect(await readdir(join(home(), 'elsewhere'))).toEqual([]);
  });

  it.each([
    ['not JSON', '{"mode": "ask"', /dev-a4f8c: network\.json is not valid JSON/],
    ['an unknown mode', '{"version": 1, "mode": "wide", "allow": [], "deny": []}', /network\.json field "mode"/],
    ['a bare *', '{"version": 1, "mode": "ask", "allow": ["*"], "deny": []}', /network\.json field "allow": rule 1: "\*": a bare \*/],
    ['an unknown key', '{"version": 1, "mode": "ask", "allow": [], "deny": [], "extra": 1}', /network\.json field "extra"/],
    ['no version', '{"mode": "ask", "allow": [], "deny": []}', /network\.json field "version"/],
    ['too large', `{"pad": "${'x'.repeat(600 * 1024)}"}`, /network\.json is larger than/],
  ])('refuses a file that is %s, and an update never replaces it', async (_what, text, message) => {
    await mkdir(stateDir(ID), { recursive: true });
    await writeFile(file(), text);
    await expect(readBottleNetwork(ID)).rejects.toThrow(message);
    await expect(readBottleNetwork(ID)).rejects.toMatchObject({ code: 'corrupt' });
    await expect(addBottleNetworkRule(ID, 'allow', 'example.com')).rejects.toThrow(message);
    expect(await readFile(file(), 'utf8')).toBe(text);
  });

  it('never follows a link, never blocks on a FIFO, and replaces neither', async () => {
    await mkdir(stateDir(ID), { recursive: true });
    const outside = join(home(), 'outside.json');
    await writeFile(outside, JSON.stringify({ version: 1, mode: 'open', allow: [], deny: [] }));
    await symlink(outside, file());
    await expect(readBottleNetwork(ID)).rejects.toThrow(`${ID}: network.json is a symlink`);
    await expect(setBottleNetworkMode(ID, 'locked')).rejects.toThrow(/is a symlink/);
    expect(JSON.parse(await readFile(outside, 'utf8'))).toMatchObject({ mode: 'open' });
    await rm(file());
    execFileSync('mkfifo', [file()]);
    await expect(readBottleNetwork(ID)).rejects.toThrow(`${ID}: network.json is not a regular file`);
    await expect(setBottleNetworkMode(ID, 'locked')).rejects.toThrow(/not a regular file/);
  });
});

describe("a bottle's whole policy", () => {
  it('joins its network.json, the operator settings for all bottles and for its agent, and its agent definition', async () => {
    await agentAt('tool', { command: ['sh'], network: { allow: ['api.tool.example:443', 'telemetry.tool.example:443'] } });
    await writeFile(
      settingsPath(),
      JSON.stringify({
        network: {
          deny: ['telemetry.tool.example:443'],
          agents: { tool: { allow: ['registry.npmjs.org:443'] }, other: { allow: ['x.example:443'] } },
        },
      }),
    );
    await mkdir(stateDir(ID), { recursive: true });
    await writeBottleNetwork(ID, { mode: 'locked', allow: ['10.0.0.5:8080'], deny: [] });
    const agent = await loadAgent('tool');
    const metadata = { identity: ID, agent_name: 'tool', cwd: home(), copy_cwd: false, started_at: '' };
    const policy = await bottleNetworkPolicy({ identity: ID, metadata, agent });
    expect(policy.mode).toBe('locked');
    const decide = (host: string, port = 443): string => {
      const decision = decideNetwork({ mode: policy.mode, rules: policy.rules, target: { host, port } });
      return `${decision.verdict} ${decision.rule?.scope ?? decision.by}`;
    };
    expect(decide('api.tool.example')).toBe('allow definition');
    expect(decide('telemetry.tool.example')).toBe('deny operator');
    expect(decide('registry.npmjs.org')).toBe('allow agent');
    expect(decide('x.example')).toBe('deny mode');
    expect(decide('10.0.0.5', 8080)).toBe('allow bottle');
  });
});
