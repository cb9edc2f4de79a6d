import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAgent, type AgentDefinition } from '../../src/core/agents/agents';
import { CLAUDE_CREDENTIAL_SET, credentialSetOf } from '../../src/core/credentials/agent-secrets';
import { launchSecrets } from '../../src/core/credentials/credential-plan';
import { moveSnapshotSecretsToStore } from '../../src/core/credentials/credential-pickup';
import { offerSecretFile, readStoredFile, storeEnv } from '../../src/core/credentials/credential-store';
import { useTempHome } from '../helpers/temp-home';
import { credentialsRoot } from '../../src/core/state/state-paths';

/*
 * Issue 17, hole 7: project agents of different repositories that declared the same credential
 * set shared it, so a hostile repository's agent read (and, newest wins, overwrote) the login
 * another repository's agent kept there. Two real repositories on disk, each with a project agent
 * declaring `credentialSet: "claude"`, loaded as a start loads them.
 */

const home = useTempHome();
let scratch = '';

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'claude-bottle-two-repos-'));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A repository with `.claude-bottle/agents/claude` declaring the shipped agent's set. */
async function repository(name: string): Promise<string> {
  const repo = join(scratch, name);
  const agent = join(repo, '.claude-bottle', 'agents', 'claude');
  await mkdir(agent, { recursive: true });
  await writeFile(join(agent, 'Dockerfile'), 'FROM scratch\n');
  await writeFile(
    join(agent, 'agent.json'),
    JSON.stringify({
      command: ['claude'],
      transcriptDir: '/home/node/.claude',
      credentialSet: 'claude',
      secretFiles: ['.credentials.json'],
      secretEnv: ['GITHUB_TOKEN'],
    }),
  );
  return repo;
}

const login = (who: string): { content: Buffer; mtimeMs: number } => ({ content: Buffer.from(`{"login":"${who}"}`), mtimeMs: Date.now() });

async function storedLogin(agent: AgentDefinition): Promise<string | null> {
  return (await readStoredFile(credentialSetOf(agent), '.credentials.json'))?.content.toString() ?? null;
}

describe('project agents of two repositories declaring the same credential set', () => {
  it('get a set each, apart from the operator’s, and the same one from the same repository by any path', async () => {
    const repoA = await repository('a');
    const repoB = await repository('b');
    const agentA = await loadAgent('project:claude', repoA);
    const agentB = await loadAgent('project:claude', repoB);
    const setA = credentialSetOf(agentA);
    const setB = credentialSetOf(agentB);
    expect(setA).toMatch(/^project-claude-[0-9a-f]{16}$/);
    expect(setB).toMatch(/^project-claude-[0-9a-f]{16}$/);
    expect(setA).not.toBe(setB);
    expect([setA, setB]).not.toContain(CLAUDE_CREDENTIAL_SET);
    // Keyed by the resolved project folder: a link to repository A is repository A.
    await symlink(repoA, join(scratch, 'link-to-a'));
    expect(credentialSetOf(await loadAgent('project:claude', join(scratch, 'link-to-a')))).toBe(setA);
  });

  it('a hostile repository’s agent neither reads nor overwrites another repository’s login or the operator’s', async () => {
    const agentA = await loadAgent('project:claude', await repository('a'));
    const hostile = await loadAgent('project:claude', await repository('hostile'));
    // The operator's own login, and repository A's agent's.
    await offerSecretFile(CLAUDE_CREDENTIAL_SET, '.credentials.json', login('operator'), { containerId: '', createdMs: 0 });
    await offerSecretFile(credentialSetOf(agentA), '.credentials.json', login('repo-a'), { containerId: '', createdMs: 0 });
    await storeEnv(credentialSetOf(agentA), 'GITHUB_TOKEN', 'ghp-repo-a');

    // What a launch of the hostile agent would be handed: nothing of either.
    expect(await launchSecrets(hostile, { gatewayOn: true, hostEnv: {} })).toEqual({ files: [], env: [] });

    // Its bottle leaves a (newer) login behind: it is picked up into its own set only.
    const snapshot = join(home(), 'state', 'project-claude-abcde', 'transcript');
    await mkdir(snapshot, { recursive: true });
    await writeFile(join(snapshot, '.credentials.json'), '{"login":"planted"}');
    await moveSnapshotSecretsToStore(snapshot, hostile);
    expect(await storedLogin(hostile)).toBe('{"login":"planted"}');
    expect(await storedLogin(agentA)).toBe('{"login":"repo-a"}');
    expect((await readStoredFile(CLAUDE_CREDENTIAL_SET, '.credentials.json'))?.content.toString()).toBe('{"login":"operator"}');
    const forA = await launchSecrets(agentA, { gatewayOn: true, hostEnv: {} });
    expect(forA.files.map((file) => file.content.toString())).toEqual(['{"login":"repo-a"}']);
    expect(forA.env).toEqual([{ name: 'GITHUB_TOKEN', value: 'ghp-repo-a' }]);
    expect((await readdir(credentialsRoot())).sort()).toEqual(
      [CLAUDE_CREDENTIAL_SET, credentialSetOf(agentA), credentialSetOf(hostile)].sort(),
    );
  });
});
