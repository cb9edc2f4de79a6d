import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ifExists } from '../fs/if-exists';
import { writeFileAtomic } from '../fs/atomic-write';
import { readSmallFileBytes } from '../fs/read-small-file';

/**
 * Copies of start-of-run content git cannot give back (files outside a repository, or dirty in
 * one), named by their SHA-256, so a diff can show what a file held when the agent started.
 */
export class BlobStore {
  constructor(private readonly dir: string) {}

  private pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('invalid blob name');
    return join(this.dir, sha256);
  }

  async has(sha256: string): Promise<boolean> {
    return (await ifExists(stat(this.pathOf(sha256)))) !== null;
  }

  async put(sha256: string, data: Uint8Array): Promise<void> {
    if (await this.has(sha256)) return;
    await writeFileAtomic(this.pathOf(sha256), data, 0o600);
  }

  /** The content, or null when it was never kept (or is larger than `maxBytes`). */
  async get(sha256: string, maxBytes: number): Promise<Buffer | null> {
    const read = await readSmallFileBytes(this.pathOf(sha256), maxBytes);
    if (read.kind === 'ok') return read.bytes;
    // A link in its place, or a blob the host cannot read, is an error, never "not kept".
    if (read.kind === 'corrupt' && read.cause !== undefined) throw read.cause;
    return null;
  }
}
