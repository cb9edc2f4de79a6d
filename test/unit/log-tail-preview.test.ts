import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { readJsonLogTail, type LogEntry } from '../../src/core/engine/json-log-tail';
import { PREVIEW_MISMATCH_NOTICE, previewThenEngine } from '../../src/core/engine/log-tail-preview';

/*
 * The Logs tab paints a log's tail read from the engine's json-file, then follows with the engine's
 * own stream of the same tail: what the engine sends beyond the preview goes out once, whatever
 * was written between the two reads and however the engine's bytes are cut into chunks.
 */

const lines = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_value, index) => `line ${from + index}\n`);

/** Entries as the file gives them: their texts, stamped a second apart up to `at`, or as `times` says. */
const stamped = (texts: string[], at = 1_000_000, times?: (index: number) => number): LogEntry[] =>
  texts.map((text, index) => ({ text, time: times?.(index) ?? at - (texts.length - index) * 1000 }));

/** The output of previewThenEngine once the engine sent `engine` (cut into chunks of `size` bytes) and ended. */
async function joined(
  entries: LogEntry[],
  engine: string,
  size: number,
  shown = entries.length,
  requestedAt = 2_000_000,
): Promise<{ text: string; first: string }> {
  const source = new PassThrough();
  const out: Readable = previewThenEngine(entries, shown, source, requestedAt);
  const chunks: string[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const done = new Promise<void>((resolve) => out.on('end', resolve));
  const bytes = Buffer.from(engine, 'utf8');
  for (let at = 0; at < bytes.length; at += size) source.write(bytes.subarray(at, at + size));
  source.end();
  await done;
  return { text: chunks.join(''), first: chunks[0] ?? '' };
}

describe('previewThenEngine', () => {
  it('sends the preview at once, then only what the engine has beyond it', async () => {
    for (const size of [1, 7, 100_000]) {
      const { text, first } = await joined(stamped(lines(1, 50)), [...lines(1, 50), ...lines(51, 53)].join(''), size);
      expect(first).toBe(lines(1, 50).join(''));
      expect(text).toBe(lines(1, 53).join(''));
    }
  });

  it('finds the engine’s window shifted by lines written between the two reads', async () => {
    for (const size of [1, 13, 100_000]) {
      const { text } = await joined(stamped(lines(1, 50)), lines(4, 60).join(''), size);
      expect(text).toBe(lines(1, 60).join(''));
    }
  });

  it('finds the engine’s window when the engine read its tail before the file was read (it starts earlier)', async () => {
    // Entries 1-60 read from the file, 41-60 painted; 55-60 were stamped after the engine's request, whose tail of 20 was 35-54.
    const entries = stamped(lines(1, 60), 0, (index) => (index < 54 ? 1000 + index : 3000 + index));
    for (const size of [1, 11, 100_000]) {
      const { text, first } = await joined(entries, lines(35, 64).join(''), size, 20, 2000);
      expect(first).toBe(lines(41, 60).join(''));
      expect(text).toBe(lines(41, 64).join(''));
    }
  });

  it('places a log that repeats itself by the times of its entries: new repeats are not taken for the painted ones', async () => {
    // The same line every second; the engine's tail is the painted one, then 50 more and a last line.
    const repeated = Array.from({ length: 1128 }, () => 'retrying\n');
    const engine = `${repeated.slice(0, 1000).join('')}${'retrying\n'.repeat(50)}done\n`;
    const { text } = await joined(stamped(repeated), engine, 9, 1000);
    expect(text).toBe(`${'retrying\n'.repeat(1050)}done\n`);
  });

  it('sends the engine’s stream whole after a notice when it does not continue the preview', async () => {
    const { text } = await joined(stamped(lines(1, 50)), lines(500, 520).join(''), 9);
    expect(text).toBe(`${lines(1, 50).join('')}${PREVIEW_MISMATCH_NOTICE}${lines(500, 520).join('')}`);
  });

  it('ends with the engine when it ends within the preview (a tail that shrank), or sent nothing', async () => {
    expect((await joined(stamped(lines(1, 10)), lines(1, 4).join(''), 3)).text).toBe(lines(1, 10).join(''));
    expect((await joined(stamped(lines(1, 10)), '', 3)).text).toBe(lines(1, 10).join(''));
  });
});

describe('readJsonLogTail', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const log = async (content: string, rotated = false): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'claude-bottle-json-log-'));
    dirs.push(dir);
    await writeFile(join(dir, 'c-json.log'), content);
    if (rotated) await writeFile(join(dir, 'c-json.log.1'), '');
    return join(dir, 'c-json.log');
  };
  const entry = (text: string): string => `${JSON.stringify({ log: text, stream: 'stdout', time: '2026-12-05T13:00:00.000000001Z' })}\n`;
  const many = (count: number): string => lines(1, count).map(entry).join('');

  it('reads the last entries across blocks, oldest first, leaving out one still being written', async () => {
    const path = await log(`${many(3000)}{"log":"half-writ`);
    const texts = async (context: number): Promise<string[] | undefined> =>
      (await readJsonLogTail(path, 1000, context))?.map((entry) => entry.text);
    expect(await texts(0)).toEqual(lines(2001, 3000));
    expect(await texts(128)).toEqual(lines(1873, 3000));
    expect((await readJsonLogTail(path, 1, 0))?.[0]?.time).toBe(Date.parse('2026-12-05T13:00:00.000Z'));
  });

  it('gives a short log whole, unless the engine rotated it (older entries are elsewhere)', async () => {
    expect((await readJsonLogTail(await log(many(5)), 1000))?.map((entry) => entry.text)).toEqual(lines(1, 5));
    expect(await readJsonLogTail(await log(many(5), true), 1000)).toBeNull();
  });

  it('says nothing of a file that is not the engine’s JSON, or not there', async () => {
    expect(await readJsonLogTail(await log(`${many(3)}not json\n${many(3)}`), 5)).toBeNull();
    expect(await readJsonLogTail('/nonexistent/c-json.log', 5)).toBeNull();
  });
});
