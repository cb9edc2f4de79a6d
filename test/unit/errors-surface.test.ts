import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentTrust } from '../../src/core/agents/agent-trust';
import { loadAgent } from '../../src/core/agents/agents';
import { trustProjectAgent, reviewProjectAgent } from '../../src/core/agents/project-agent-review';
import { currentSecretPlacements } from '../../src/core/credentials/secret-placements';
import { readAppliedRecord } from '../../src/core/changes/applied-record';
import { setFingerprint } from '../../src/core/credentials/credential-store';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { knownHostKeys } from '../../src/core/engine/ssh-transport';
import { ifExists, isMissing, LINK_IS_MISSING, orIfMissing } from '../../src/core/fs/if-exists';
import { errorMessage } from '../../src/core/base/bottle-error';
import { createInboxWatcher } from '../../src/core/rebuild/inbox-watcher';
import { listPendingRecords } from '../../src/core/rebuild/rebuild-store';
import { recoverInterruptedApprovals } from '../../src/core/rebuild/recovery';
import { rebuildViewFields } from '../../src/core/rebuild/view-fields';
import { changesPaths, claudeBottleRoot, rebuildPaths, stateRoot } from '../../src/core/state/state-paths';
import { makeStateBottle } from '../helpers/rebuild-fixtures';
import { useTempHome } from '../helpers/temp-home';
import { useTempProject } from '../helpers/temp-project';

// The tests run as root, where chmod 000 stops nothing: the errors used are the ones root meets
// too, a folder where a file is expected (EISDIR) and a link that loops (ELOOP).
useTempHome();
const project = useTempProject();

describe('only "not there" reads as missing', () => {
  it('ENOENT and ENOTDIR are missing; EISDIR, EACCES and ELOOP are not, unless the caller says so', async () => {
    const missing = join(claudeBottleRoot(), 'nothing-here');
    expect(await ifExists(readdir(missing))).toBeNull();
    expect(await orIfMissing(readdir(missing), ['fallback'])).toEqual(['fallback']);
    await writeFile(join(claudeBottleRoot(), 'a-file'), '');
    expect(await ifExists(readdir(join(claudeBottleRoot(), 'a-file', 'below')))).toBeNull();
    for (const code of ['EISDIR', 'EACCES', 'EIO', 'ELOOP']) expect(isMissing(Object.assign(new Error(code), { code }))).toBe(false);
    expect(isMissing(Object.assign(new Error('loop'), { code: 'ELOOP' }), LINK_IS_MISSING)).toBe(true);
    expect(isMissing(new Error('no code'))).toBe(false);
    await expect(ifExists(Promise.reject(new Error('not a regular file')))).rejects.toThrow('not a regular file');
  });
});

describe('a state file the host cannot read surfaces instead of reading as missing', () => {
  it('a pending request record: the card says the requests could not be read, instead of "nothing pending"', async () => {
    const identity = await makeStateBottle();
    expect(await rebuildViewFields(identity)).toMatchObject({ pendingRequest: null, pendingCount: 0, warnings: [] });
    await mkdir(join(rebuildPaths(identity).pending, 'req-1-a.json'), { recursive: true });
    await expect(listPendingRecords(identity)).rejects.toThrow(/^EISDIR/);
    const view = await rebuildViewFields(identity);
    expect(view).toMatchObject({ pendingRequest: null, pendingCount: 0 });
    expect(view.warnings).toEqual([
      {
        file: 'the pending requests',
        message: expect.stringMatching(/^could not be read: EISDIR: illegal operation on a directory/) as string,
        at: expect.any(String) as string,
      },
    ]);
  });

  it('the applied record: apply stops instead of forgetting what it wrote before', async () => {
    const identity = await makeStateBottle();
    expect(await readAppliedRecord(identity)).toMatchObject({ at: null, files: {} });
    await mkdir(changesPaths(identity).applied, { recursive: true });
    await expect(readAppliedRecord(identity)).rejects.toThrow(/^EISDIR/);
  });

  it('the state folder: startup recovery reports it instead of finding no interrupted approval', async () => {
    expect(await recoverInterruptedApprovals(createCoreDeps())).toEqual([]);
    await rm(stateRoot(), { recursive: true, force: true });
    await symlink(stateRoot(), stateRoot());
    await expect(recoverInterruptedApprovals(createCoreDeps())).rejects.toThrow(/^ELOOP/);
  });

  it('a trust record: trusting again is not asked for when the record cannot be read', async () => {
    const agentDir = join(project(), '.claude-bottle', 'agents', 'claude');
    await mkdir(agentDir, { recursive: true });
    await writeFile(join(agentDir, 'agent.json'), JSON.stringify({ command: ['sh'] }));
    await writeFile(join(agentDir, 'Dockerfile'), 'FROM base\n');
    const review = await reviewProjectAgent('project:claude', project(), currentSecretPlacements);
    await trustProjectAgent('project:claude', project(), review.contextHash, 'tester');
    const agent = await loadAgent('project:claude', project());
    expect(await agentTrust(agent)).toBe('trusted');
    const [record] = await readdir(join(claudeBottleRoot(), 'trust', 'project-agents'));
    const path = join(claudeBottleRoot(), 'trust', 'project-agents', record as string);
    await rm(path);
    await mkdir(path);
    await expect(agentTrust(agent)).rejects.toThrow(`cannot read the trust record ${path}: not a regular file`);
  });

  it('a credential set: the live check fails loudly instead of seeing an empty, signed-out set', async () => {
    const files = join(claudeBottleRoot(), 'credentials', 'default', 'files');
    expect(await setFingerprint('default')).toBe('signed-out:-1');
    await mkdir(join(files, '..'), { recursive: true });
    await symlink(files, files);
    await expect(setFingerprint('default')).rejects.toThrow(/^ELOOP/);
  });

  it('an inbox the watcher cannot reach: reported once, instead of passed over every second', async () => {
    await mkdir(stateRoot(), { recursive: true });
    const looping = join(stateRoot(), 'unit-loops');
    await symlink(looping, looping);
    const errors: string[] = [];
    const watcher = createInboxWatcher(() => undefined, {
      rescanMs: 50,
      onError: (identity, error) => errors.push(`${identity}: ${errorMessage(error)}`),
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    watcher.close();
    expect(errors).toEqual([expect.stringMatching(/^unit-loops: ELOOP/)]);
  });

  it('known_hosts: one the host cannot read is said, never taken for a host nobody knows', async () => {
    const target = { host: 'engine.example', port: 22, username: 'me' };
    const file = join(claudeBottleRoot(), 'known_hosts');
    expect(knownHostKeys(target, file)).toEqual([]);
    await mkdir(file);
    expect(() => knownHostKeys(target, file)).toThrow(`cannot read ${file}: EISDIR: illegal operation on a directory, read`);
  });
});
