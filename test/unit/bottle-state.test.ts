import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEngineRecord } from '../../src/core/state/bottle-engine';
import { bottleIdentity } from '../../src/core/state/bottle-identity';
import { CorruptBottleError, readMetadata, readMetadataResult, writeMetadata, type BottleMetadata } from '../../src/core/state/metadata';
import { readPerBottleDockerfile, writePerBottleDockerfile } from '../../src/core/state/per-bottle-dockerfile';
import { listStateEntries, listStateIdentities, listStateRoot } from '../../src/core/state/state-listing';
import { bottlePaths, perBottleImageTag, stateDir } from '../../src/core/state/state-paths';
import { InvalidIdentityError, isValidIdentity, parseIdentity } from '../../src/shared/identity';
import { useTempHome } from '../helpers/temp-home';

const home = useTempHome();

function meta(overrides: Partial<BottleMetadata> = {}): BottleMetadata {
  return {
    identity: 'dev-a4f8c',
    agent_name: 'dev',
    cwd: '/proj/A',
    copy_cwd: true,
    started_at: '2026-05-25T12:00:00+00:00',
    ...overrides,
  };
}

async function writeRawMetadata(identity: string, content: string): Promise<void> {
  await mkdir(join(home(), 'state', identity), { recursive: true });
  await writeFile(join(home(), 'state', identity, 'metadata.json'), content);
}

describe('per-bottle Dockerfile', () => {
  it('is null when absent', async () => {
    expect(await readPerBottleDockerfile('dev')).toBeNull();
  });

  it('round-trips', async () => {
    await writePerBottleDockerfile('dev', 'FROM python:3.13\nRUN apk add ripgrep\n');
    expect(await readPerBottleDockerfile('dev')).toBe('FROM python:3.13\nRUN apk add ripgrep\n');
  });

  it('is isolated per identity', async () => {
    await writePerBottleDockerfile('dev', 'FROM dev\n');
    await writePerBottleDockerfile('api', 'FROM api\n');
    expect(await readPerBottleDockerfile('dev')).toBe('FROM dev\n');
    expect(await readPerBottleDockerfile('api')).toBe('FROM api\n');
  });

  it('lives under the state dir', () => {
    expect(bottlePaths('dev').dockerfile).toBe(join(home(), 'state', 'dev', 'Dockerfile'));
    expect(bottlePaths('dev').dockerfile.endsWith('/state/dev/Dockerfile')).toBe(true);
  });

  it('leaves no temp file behind', async () => {
    await writePerBottleDockerfile('dev', 'FROM a\n');
    await writePerBottleDockerfile('dev', 'FROM b\n');
    expect(await readdir(stateDir('dev'))).toEqual(['Dockerfile']);
  });

  it('has an image tag unique per identity', () => {
    expect(perBottleImageTag('dev')).toBe('claude-bottle-rebuilt-dev:latest');
    expect(perBottleImageTag('dev')).not.toBe(perBottleImageTag('api'));
  });

  it('has its transcript snapshot under the state dir', () => {
    expect(bottlePaths('dev').transcript).toBe(join(home(), 'state', 'dev', 'transcript'));
  });
});

describe('bottleIdentity', () => {
  it('is slug-dash-5 base36 characters', () => {
    const identity = bottleIdentity('dev');
    expect(identity).toMatch(/^dev-[a-z0-9]{5}$/);
    expect(isValidIdentity(identity)).toBe(true);
  });

  it('differs between two calls', () => {
    expect(bottleIdentity('dev')).not.toBe(bottleIdentity('dev'));
  });

  it('gives different agents different prefixes', () => {
    expect(bottleIdentity('dev').startsWith('dev-')).toBe(true);
    expect(bottleIdentity('api').startsWith('api-')).toBe(true);
  });

  it('slugifies agent names', () => {
    expect(bottleIdentity('My Agent')).toMatch(/^my-agent-[a-z0-9]{5}$/);
    expect(bottleIdentity('  --Claude__Code 2!! ')).toMatch(/^claude-code-2-[a-z0-9]{5}$/);
    expect(bottleIdentity('***')).toMatch(/^bottle-[a-z0-9]{5}$/);
    expect(bottleIdentity('')).toMatch(/^bottle-[a-z0-9]{5}$/);
  });

  it('stays within 64 characters for a very long name', () => {
    const identity = bottleIdentity('a'.repeat(100));
    expect(identity.length).toBeLessThanOrEqual(64);
    expect(isValidIdentity(identity)).toBe(true);
  });

  it('draws suffixes spread over the whole alphabet', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i += 1) for (const ch of bottleIdentity('x').slice(2)) seen.add(ch);
    expect(seen.size).toBe(36);
  });
});

describe('identity validation', () => {
  const bad = ['../x', 'a/b', '.', '..', '', 'a'.repeat(65), 'Dev-abcde', 'dev--x', '-dev', 'dev-', 'dev x', 'dev\n'];
  it.each(bad)('refuses %j everywhere a path is built', (value) => {
    expect(isValidIdentity(value)).toBe(false);
    expect(() => parseIdentity(value)).toThrow(InvalidIdentityError);
    expect(() => stateDir(value)).toThrow(/invalid bottle identity/);
    expect(() => bottlePaths(value)).toThrow(InvalidIdentityError);
    expect(() => perBottleImageTag(value)).toThrow(InvalidIdentityError);
  });

  it('refuses bad identities in reads and writes without touching disk', async () => {
    await expect(readMetadata('../x')).rejects.toThrow(InvalidIdentityError);
    await expect(writeMetadata(meta({ identity: 'a/b' }))).rejects.toThrow(InvalidIdentityError);
    await expect(writePerBottleDockerfile('..', 'FROM x\n')).rejects.toThrow(InvalidIdentityError);
    await expect(readdir(home())).resolves.toEqual([]);
  });

  it('accepts 64 characters and refuses non-strings', () => {
    expect(isValidIdentity('a'.repeat(64))).toBe(true);
    expect(isValidIdentity(42)).toBe(false);
    expect(isValidIdentity(null)).toBe(false);
  });

  it('gives a one-line error', () => {
    expect(() => parseIdentity('../../etc')).toThrow(/^invalid bottle identity "..\/..\/etc": [^\n]+$/);
  });
});

describe('metadata', () => {
  it('is null when missing', async () => {
    expect(await readMetadata('does-not-exist')).toBeNull();
  });

  it('round-trips', async () => {
    await writeMetadata(meta());
    expect(await readMetadata('dev-a4f8c')).toEqual(meta());
  });

  it('lives under the state dir', async () => {
    const path = await writeMetadata(meta({ identity: 'dev-x', cwd: '', copy_cwd: false, started_at: 't' }));
    expect(path).toBe(join(home(), 'state', 'dev-x', 'metadata.json'));
  });

  it('updates started_at on overwrite, keeping the rest', async () => {
    await writeMetadata(meta({ identity: 'dev-y', started_at: 't1' }));
    await writeMetadata(meta({ identity: 'dev-y', started_at: 't2' }));
    expect(await readMetadata('dev-y')).toEqual(meta({ identity: 'dev-y', started_at: 't2' }));
  });

  it('writes exactly the five snake_case keys as UTF-8 JSON', async () => {
    const extra = { ...meta({ cwd: '/proj/Ünïcode' }), secret: 'never' } as BottleMetadata;
    await writeMetadata(extra);
    const raw = await readFile(bottlePaths('dev-a4f8c').metadata, 'utf8');
    expect(Object.keys(JSON.parse(raw) as object)).toEqual(['identity', 'agent_name', 'cwd', 'copy_cwd', 'started_at']);
    expect(raw).toContain('Ünïcode');
    expect(raw).not.toContain('never');
  });

  it("reads a file written by Python's json.dump(indent=2)", async () => {
    // Byte-for-byte what `json.dump(asdict(meta), f, indent=2)` writes (ASCII-escaped, no newline).
    await writeRawMetadata(
      'dev-a4f8c',
      '{\n  "identity": "dev-a4f8c",\n  "agent_name": "dev",\n  "cwd": "/proj/\\u00dc",\n  "copy_cwd": true,\n  "started_at": "2026-05-25T12:00:00.123456+00:00"\n}',
    );
    expect(await readMetadata('dev-a4f8c')).toEqual(meta({ cwd: '/proj/Ü', started_at: '2026-05-25T12:00:00.123456+00:00' }));
  });

  it('reads unknown extra keys but never writes them back', async () => {
    await writeRawMetadata('dev-a4f8c', JSON.stringify({ ...meta(), future_field: [1, 2] }));
    const loaded = await readMetadata('dev-a4f8c');
    expect(loaded).toEqual(meta());
    await writeMetadata({ ...(loaded as BottleMetadata), started_at: 't3' });
    expect(await readFile(bottlePaths('dev-a4f8c').metadata, 'utf8')).not.toContain('future_field');
  });

  it.each([
    ['invalid JSON', '{"identity": "dev-a4f8c",', /not valid JSON/],
    ['a JSON array', '[]', /field/],
    ['copy_cwd as a string', JSON.stringify({ ...meta(), copy_cwd: 'yes' }), /copy_cwd/],
    ['a missing key', JSON.stringify({ identity: 'dev-a4f8c', agent_name: 'dev', cwd: '', copy_cwd: false }), /started_at/],
    ['another identity', JSON.stringify(meta({ identity: 'other-zzzzz' })), /not its folder/],
  ])('reports %s as corrupt, never throws from the result reader', async (_name, content, reason) => {
    await writeRawMetadata('dev-a4f8c', content);
    const result = await readMetadataResult('dev-a4f8c');
    expect(result.status).toBe('corrupt');
    expect(result.status === 'corrupt' && result.reason).toMatch(reason);
    await expect(readMetadata('dev-a4f8c')).rejects.toThrow(CorruptBottleError);
  });

  it('treats a symlinked metadata.json as corrupt without following it', async () => {
    const outside = join(home(), 'outside.json');
    await writeFile(outside, JSON.stringify(meta()));
    await mkdir(join(home(), 'state', 'dev-a4f8c'), { recursive: true });
    await symlink(outside, bottlePaths('dev-a4f8c').metadata);
    expect(await readMetadataResult('dev-a4f8c')).toEqual({ status: 'corrupt', reason: 'metadata.json is a symlink' });
  });

  it('treats a metadata.json directory as corrupt', async () => {
    await mkdir(bottlePaths('dev-a4f8c').metadata, { recursive: true });
    expect(await readMetadataResult('dev-a4f8c')).toMatchObject({ status: 'corrupt' });
  });

  it('engine.json: a link is never followed to the context it names, a FIFO never blocks the read', async () => {
    await writeMetadata(meta());
    const outside = join(home(), 'outside-engine.json');
    await writeFile(outside, JSON.stringify({ version: 1, context: 'elsewhere' }));
    await symlink(outside, join(stateDir('dev-a4f8c'), 'engine.json'));
    expect(readEngineRecord('dev-a4f8c')).toEqual({ status: 'corrupt', reason: 'engine.json is a symlink' });
    await rm(join(stateDir('dev-a4f8c'), 'engine.json'));
    execFileSync('mkfifo', [join(stateDir('dev-a4f8c'), 'engine.json')]);
    expect(readEngineRecord('dev-a4f8c')).toEqual({ status: 'corrupt', reason: 'engine.json is not a regular file' });
  });

  it('cleans up its temp file when the final rename fails', async () => {
    // A directory in the way makes rename() fail after the temp file was fully written.
    await mkdir(bottlePaths('dev-a4f8c').metadata, { recursive: true });
    await expect(writeMetadata(meta())).rejects.toThrow();
    expect(await readdir(stateDir('dev-a4f8c'))).toEqual(['metadata.json']);
  });
});

describe('listing the state folder', () => {
  it('is empty when there is no state folder', async () => {
    expect(await listStateEntries()).toEqual([]);
  });

  it('one listing of the root: entries named as identities, real folders told from the rest', async () => {
    expect(await listStateRoot()).toEqual([]);
    await writeMetadata(meta({ identity: 'dev-aaaaa' }));
    const root = join(home(), 'state');
    await mkdir(join(root, 'no-metadata'));
    await writeFile(join(root, 'file-named-like-one'), 'x');
    await symlink(join(root, 'dev-aaaaa'), join(root, 'link-aaaaa'));
    await writeFile(join(root, '.tmp-metadata.json-123'), 'half');
    await mkdir(join(root, 'Not_An_Identity'));
    const byIdentity = (entries: { identity: string }[]): unknown[] => [...entries].sort((a, b) => a.identity.localeCompare(b.identity));
    expect(byIdentity(await listStateRoot())).toEqual([
      { identity: 'dev-aaaaa', isFolder: true },
      { identity: 'file-named-like-one', isFolder: false },
      { identity: 'link-aaaaa', isFolder: false },
      { identity: 'no-metadata', isFolder: true },
    ]);
    expect((await listStateIdentities()).sort()).toEqual(['dev-aaaaa', 'file-named-like-one', 'link-aaaaa', 'no-metadata']);
    // Only real folders holding metadata.json are bottles.
    expect((await listStateEntries()).map((entry) => entry.identity)).toEqual(['dev-aaaaa']);
  });

  it('a state root the host cannot list is an error, never "no bottles"', async () => {
    const root = join(home(), 'state');
    await symlink(root, root);
    await expect(listStateRoot()).rejects.toMatchObject({ code: 'ELOOP' });
    await expect(listStateEntries()).rejects.toMatchObject({ code: 'ELOOP' });
  });

  it('lists good and corrupt bottles and passes over strays', async () => {
    await writeMetadata(meta({ identity: 'dev-aaaaa' }));
    await writeMetadata(meta({ identity: 'dev-bbbbb' }));
    await writePerBottleDockerfile('dev-bbbbb', 'FROM x\n');
    await writeRawMetadata('dev-ccccc', 'not json');
    const root = join(home(), 'state');
    await writeFile(join(root, 'stray-file'), 'x');
    await writeFile(join(root, '.tmp-metadata.json-123'), 'half');
    await mkdir(join(root, 'Not_An_Identity'));
    await mkdir(join(root, 'empty-folder'));
    await writeFile(join(root, 'dev-aaaaa', '.tmp-metadata.json-abc'), '{"ident');
    await symlink(join(root, 'dev-aaaaa'), join(root, 'link-aaaaa'));

    const entries = (await listStateEntries()).sort((a, b) => a.identity.localeCompare(b.identity));
    expect(entries.map((e) => [e.identity, e.status, e.hasDockerfile])).toEqual([
      ['dev-aaaaa', 'ok', false],
      ['dev-bbbbb', 'ok', true],
      ['dev-ccccc', 'corrupt', false],
    ]);
  });
});
