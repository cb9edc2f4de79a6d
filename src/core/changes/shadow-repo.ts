import { lstat, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ifExists } from '../fs/if-exists';
import { readRegularFile } from '../fs/read-regular-file';
import { BottleError } from '../base/bottle-error';
import { gitText, runGit, type GitOptions } from './git-cli';
import { walkFolder } from './host-walk';

const MAX_REF_FILE_BYTES = 64 * 1024;
const MAX_PACKED_REFS_BYTES = 64 * 1024 * 1024;

/** A small file of the bottle's repository, read as data; null when missing, a symlink, or too large. */
async function readSmall(path: string, maxBytes: number): Promise<string | null> {
  // Meant for every failure: the bottle's repository is the agent's, and whatever it put there
  // instead of a small plain file (a link, a FIFO, a huge file, nothing) is read as no such file.
  return readRegularFile(path, maxBytes).catch((_error: unknown) => null);
}

const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const REF_NAME = /^refs\/[A-Za-z0-9._/-]+$/;

/**
 * The commit a repository's HEAD names, read as data (HEAD, a loose ref, packed-refs): the
 * agent's repository is never opened with git itself, whose config could run its commands.
 * Null on an unborn branch.
 */
export async function resolveHead(gitDir: string): Promise<string | null> {
  const head = (await readSmall(join(gitDir, 'HEAD'), MAX_REF_FILE_BYTES))?.trim();
  if (head === undefined) throw new BottleError('corrupt', "the bottle's repository has no readable HEAD");
  if (OID.test(head)) return head;
  const ref = /^ref: (.+)$/.exec(head)?.[1];
  if (ref === undefined || !REF_NAME.test(ref) || ref.split('/').includes('..'))
    throw new BottleError('corrupt', "the bottle's repository has an invalid HEAD");
  const loose = (await readSmall(join(gitDir, ...ref.split('/')), MAX_REF_FILE_BYTES))?.trim();
  if (loose !== undefined && OID.test(loose)) return loose;
  const packed = await readSmall(join(gitDir, 'packed-refs'), MAX_PACKED_REFS_BYTES);
  for (const line of packed?.split('\n') ?? []) {
    const [oid, name] = line.split(' ');
    if (name === ref && oid !== undefined && OID.test(oid)) return oid;
  }
  return null;
}

/**
 * A repository of our own in a temp folder that borrows its objects (read-only, through
 * objects/info/alternates) from the bottle's repository and the project's: every git command of
 * an export runs here, with our config, no hooks, and none of the agent's settings. New objects
 * (the commit of uncommitted changes) land in its own objects folder until they are fetched.
 */
export class ShadowRepo {
  private constructor(
    readonly gitDir: string,
    private readonly workTree: string,
    private readonly index: string,
  ) {}

  static async create(tempDir: string, borrowFrom: string[], objectFormat: string): Promise<ShadowRepo> {
    const gitDir = join(tempDir, 'shadow.git');
    await mkdir(join(gitDir, 'objects', 'info'), { recursive: true });
    await mkdir(join(gitDir, 'refs', 'heads'), { recursive: true });
    await mkdir(join(gitDir, 'info'), { recursive: true });
    await writeFile(join(gitDir, 'HEAD'), 'ref: refs/heads/main\n');
    const sha256 = objectFormat === 'sha256';
    await writeFile(
      join(gitDir, 'config'),
      [
        '[core]',
        `\trepositoryformatversion = ${sha256 ? 1 : 0}`,
        '\tbare = false',
        '\tfilemode = true',
        '\tsymlinks = true',
        '\tautocrlf = false',
        '[uploadpack]',
        '\tallowAnySHA1InWant = true',
        ...(sha256 ? ['[extensions]', '\tobjectformat = sha256'] : []),
        '',
      ].join('\n'),
    );
    await writeFile(join(gitDir, 'objects', 'info', 'alternates'), `${borrowFrom.join('\n')}\n`);
    const workTree = join(tempDir, 'worktree');
    await mkdir(workTree, { recursive: true });
    return new ShadowRepo(gitDir, workTree, join(tempDir, 'index'));
  }

  get worktree(): string {
    return this.workTree;
  }

  private options(extra: GitOptions = {}): GitOptions {
    return {
      ...extra,
      env: { GIT_DIR: this.gitDir, GIT_WORK_TREE: this.workTree, GIT_INDEX_FILE: this.index, GIT_CONFIG_NOSYSTEM: '1', ...extra.env },
    };
  }

  text(args: string[], extra?: GitOptions): Promise<string> {
    return gitText(args, this.options(extra));
  }

  run(args: string[], extra?: GitOptions): ReturnType<typeof runGit> {
    return runGit(args, this.options(extra));
  }

  async hasCommit(oid: string): Promise<boolean> {
    return (await this.run(['cat-file', '-e', `${oid}^{commit}`], { okCodes: [1, 128] })).code === 0;
  }
}

/**
 * A bottle's repository may only hold its own objects: no alternates, no symlinks that would let
 * host git read some other folder as the bottle's objects.
 */
export async function checkOwnObjects(gitDir: string): Promise<void> {
  for (const name of ['alternates', 'http-alternates']) {
    // Present, or unreadable (a refusal then, with its own error): never passed as "none".
    if ((await ifExists(stat(join(gitDir, 'objects', 'info', name)))) !== null) {
      throw new BottleError(
        'forbidden',
        `the bottle's repository borrows objects from elsewhere (objects/info/${name}); export refuses it`,
      );
    }
  }
  const objects = await ifExists(lstat(join(gitDir, 'objects')));
  if (objects !== null && !objects.isDirectory())
    throw new BottleError('forbidden', "the bottle's repository has no objects folder of its own; export refuses it");
  const walk = await walkFolder(join(gitDir, 'objects'));
  const link = [...walk.entries.values()].find((entry) => entry.kind === 'symlink');
  if (link !== undefined)
    throw new BottleError('forbidden', `the bottle's repository holds a symlink (objects/${link.path}); export refuses it`);
}
