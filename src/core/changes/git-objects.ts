import { runGit } from './git-cli';

/**
 * Reads blobs from a repository by id in one `git cat-file --batch`; ids git does not have (or
 * that name something other than a blob) are left out of the result.
 */
export async function readBlobs(cwd: string, oids: string[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  const wanted = [...new Set(oids)].filter((oid) => /^[0-9a-f]{40,64}$/.test(oid));
  if (wanted.length === 0) return found;
  const { stdout } = await runGit(['cat-file', '--batch'], { cwd, input: `${wanted.join('\n')}\n` });
  let at = 0;
  while (at < stdout.length) {
    const lineEnd = stdout.indexOf(0x0a, at);
    if (lineEnd === -1) break;
    const header = stdout.subarray(at, lineEnd).toString('utf8');
    at = lineEnd + 1;
    const match = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
    if (match === null) continue; // "<oid> missing"
    const size = Number(match[3]);
    if (match[2] === 'blob') found.set(match[1] as string, Buffer.from(stdout.subarray(at, at + size)));
    at += size + 1;
  }
  return found;
}
