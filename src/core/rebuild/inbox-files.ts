import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJson } from '../base/parse-json';
import { TEMP_PREFIX, writeFileAtomic } from '../fs/atomic-write';
import { ifExists, isMissing, orIfMissing } from '../fs/if-exists';
import { readAtMost } from '../fs/read-small-file';
import { MAX_REQUEST_BYTES, parseInboxRequest, type InboxRequestParseResult, type InboxResponse } from './request-schema';

const REQUEST_SUFFIX = '.json';
const RESPONSE_SUFFIX = '.response.json';

export function responseFileName(stem: string): string {
  return `${stem}${RESPONSE_SUFFIX}`;
}

export function requestFileName(stem: string): string {
  return `${stem}${REQUEST_SUFFIX}`;
}

/** The stem an answer file answers (`<stem>.response.json`); null for any other name. */
export function answeredStem(name: string): string | null {
  return name.endsWith(RESPONSE_SUFFIX) ? name.slice(0, -RESPONSE_SUFFIX.length) : null;
}

/** A `*.json` that is not an answer: a request, if valid (hidden and temp files are the caller's to drop). */
export function isRequestName(name: string): boolean {
  return name.endsWith(REQUEST_SUFFIX) && !name.endsWith(RESPONSE_SUFFIX);
}

/** What one listing of an inbox holds: candidate request files, and the stems already answered. */
export interface InboxNames {
  /** `*.json` that may be requests: not our responses, not temp or hidden files; sorted. */
  requests: string[];
  /** Stems with a `<stem>.response.json` beside them (answered, whatever became of them). */
  answered: Set<string>;
}

/**
 * Lists the inbox once. Returns nothing when the inbox is missing or is not a real directory (it is
 * never followed as a symlink): a bottle that never asked for anything costs two syscalls.
 */
export async function readInboxNames(inbox: string): Promise<InboxNames> {
  const none: InboxNames = { requests: [], answered: new Set() };
  try {
    if (!(await lstat(inbox)).isDirectory()) return none;
    const names = await readdir(inbox);
    const requests: string[] = [];
    const answered = new Set<string>();
    for (const name of names) {
      const stem = answeredStem(name);
      if (stem !== null) answered.add(stem);
      else if (isRequestName(name) && !name.startsWith('.') && !name.startsWith(TEMP_PREFIX)) requests.push(name);
    }
    return { requests: requests.sort(), answered };
  } catch (error: unknown) {
    if (isMissing(error)) return none;
    throw error;
  }
}

/**
 * Bytes in the inbox folder: every entry at its apparent size (lstat, never followed). The agent
 * writes this folder on the host's disk, so the scan measures it before taking more requests in.
 */
export async function inboxBytes(inbox: string): Promise<number> {
  // No inbox (yet): nothing in it. One the host cannot list fails the scan, which reports it.
  const names = await orIfMissing(readdir(inbox), [] as string[]);
  let total = 0;
  // An entry the agent removed meanwhile counts nothing.
  for (const name of names) total += (await ifExists(lstat(join(inbox, name))))?.size ?? 0;
  return total;
}

export function requestStem(fileName: string): string {
  return fileName.slice(0, -REQUEST_SUFFIX.length);
}

export type InboxReadResult = InboxRequestParseResult;

function describeType(info: { isSymbolicLink(): boolean; isFIFO(): boolean; isDirectory(): boolean; isSocket(): boolean }): string {
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isDirectory()) return 'a directory';
  if (info.isSocket()) return 'a socket';
  return 'a device or special file';
}

/**
 * Reads one file the agent wrote as hostile input, parsed as JSON; `noun` names it in messages
 * ("the request", "the status file"). The type is checked with lstat BEFORE any open, so a FIFO or
 * device is never opened (it could block or have side effects) and a symlink is never followed;
 * O_NOFOLLOW|O_NONBLOCK and an inode comparison close the race with a swap in between. Never reads
 * more than `maxBytes`, and never echoes file content in its messages.
 */
export async function readHostileJson(
  path: string,
  options: { maxBytes: number; noun: string },
): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  const { maxBytes, noun } = options;
  const tooLarge = { ok: false as const, message: `${noun} is larger than ${maxBytes} bytes` };
  let info;
  try {
    info = await lstat(path);
  } catch (error: unknown) {
    return { ok: false, message: `${noun} cannot be inspected (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (!info.isFile()) return { ok: false, message: `${noun} is ${describeType(info)}, not a regular file` };
  if (info.size > maxBytes) return tooLarge;
  let bytes: Buffer;
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const opened = await handle.stat();
      if (!opened.isFile() || opened.ino !== info.ino || opened.dev !== info.dev) {
        return { ok: false, message: `${noun} was replaced while it was read` };
      }
      if (opened.size > maxBytes) return tooLarge;
      // One byte more than the file had when opened tells a file that grew meanwhile (these files
      // are written by rename, never appended to) from one that did not.
      const read = await readAtMost(handle, opened.size + 1);
      if (read.length > opened.size) return { ok: false, message: `${noun} grew while it was read` };
      bytes = read;
    } finally {
      await handle.close();
    }
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { ok: false, message: `${noun} is a symbolic link, not a regular file` };
    return { ok: false, message: `${noun} cannot be read (${code ?? 'error'})` };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error: unknown) {
    // A fatal decoder fails only on bytes that are not UTF-8: said to the agent, as bad input.
    if (error instanceof TypeError) return { ok: false, message: `${noun} is not valid UTF-8` };
    throw error;
  }
  // JSON text never parses to undefined: undefined is text that is not JSON.
  const value = parseJson(text);
  if (value === undefined) return { ok: false, message: `${noun} is not valid JSON` };
  return { ok: true, value };
}

/** Reads one request file (a Dockerfile request or a permission question) as hostile input, and validates it. */
export async function readRequestFile(path: string): Promise<InboxReadResult> {
  const read = await readHostileJson(path, { maxBytes: MAX_REQUEST_BYTES, noun: 'the request' });
  return read.ok ? parseInboxRequest(read.value) : read;
}

/**
 * Answers the agent: `<id>.response.json`, atomically. Mode 0644 because the agent may run as a
 * different uid than the host. A rename replaces a symlink planted under that name, never its target.
 */
export async function writeInboxResponse(inbox: string, response: InboxResponse, options: { durable?: boolean } = {}): Promise<void> {
  await writeFileAtomic(join(inbox, responseFileName(response.id)), `${JSON.stringify(response)}\n`, 0o644, options);
}
