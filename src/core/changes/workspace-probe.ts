import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { settled } from '../base/settled';
import type { EngineContainer } from '../engine/engine-client';
import { cleanRelativePath } from './relative-path';

/** One entry of a listing made inside the bottle (`find` + `stat`), directories included. */
export interface ProbeEntry {
  path: string;
  kind: 'file' | 'symlink' | 'dir';
  size: number;
  mode: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** A listing, and whether its time marker was written (a read-only /tmp cannot hold one). */
export interface ProbeAnswer {
  entries: ProbeEntry[];
  marked: boolean;
}

export class ProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeError';
  }
}

const WORKSPACE = '/workspace';
const MAX_OUTPUT_CHARS = 256 * 1024 * 1024;
const STAT_FORMAT = "'%s %Y %Z %f %i %n'";

/*
 * A POSIX sh loop run inside the bottle: it reads a nonce, then one command a line, and answers
 * each with a listing followed by an end line carrying the nonce, find's exit status and whether
 * the listing's marker could be written. Folders to leave out arrive as arguments (never spliced
 * into the script), `.git` folders are never entered.
 * - `full ID`: marks the time (touches marker ID in a private folder under /tmp), lists everything.
 * - `since OLD ID DROP`: marks the time as ID, lists only entries modified after marker OLD was
 *   touched, forgets marker DROP: the cheap look that tells an unchanged tree from a changed one.
 * - `recent M ID`: the same by the clock, entries modified in the last M minutes (no marker yet).
 */
const SCRIPT = `n=$#
for p in "$@"; do set -- "$@" -path "$p" -o; done
shift "$n"
IFS= read -r nonce || exit 0
d=/tmp/.claude-bottle-probe-$nonce
mkdir -m 700 "$d" 2>/dev/null
while IFS=' ' read -r cmd a b c; do
  m=1
  case "$a$b$c" in *[!0-9]*) cmd=bad ;; esac
  case "$cmd" in
    full) touch "$d/m$a" 2>/dev/null || m=0; find ${WORKSPACE} \\( "$@" -name .git \\) -prune -o -exec stat -c ${STAT_FORMAT} {} + ;;
    since) touch "$d/m$b" 2>/dev/null || m=0; find ${WORKSPACE} \\( "$@" -name .git \\) -prune -o -newer "$d/m$a" -exec stat -c ${STAT_FORMAT} {} + ;;
    recent) touch "$d/m$b" 2>/dev/null || m=0; find ${WORKSPACE} \\( "$@" -name .git \\) -prune -o -mmin "-$a" -exec stat -c ${STAT_FORMAT} {} + ;;
    *) false ;;
  esac
  s=$?
  [ -n "$c" ] && rm -f "$d/m$c"
  echo "@@claude-bottle-probe $nonce $s $m"
done
rm -rf "$d"`;

/** `find -path` takes a glob: a folder name with glob characters must match only itself. */
function globEscape(path: string): string {
  return path.replace(/[\\*?[\]]/g, (char) => `\\${char}`);
}

const LINE = /^(\d+) (\d+) (\d+) ([0-9a-f]+) (\d+) (\/workspace(?:\/.*)?)$/s;

/** Parses the listing lines; a line that does not parse (a name with a newline) fails it whole. */
export function parseProbeListing(text: string): ProbeEntry[] {
  const entries: ProbeEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = LINE.exec(line);
    if (match === null) throw new ProbeError('the listing from inside the bottle did not parse (a file name with a line break?)');
    const full = match[6] as string;
    if (full === WORKSPACE) continue;
    const path = cleanRelativePath(full.slice(WORKSPACE.length + 1));
    if (path === null) throw new ProbeError('the listing from inside the bottle named an invalid path');
    const raw = parseInt(match[4] as string, 16);
    const type = raw & 0o170000;
    const kind = type === 0o100000 ? 'file' : type === 0o120000 ? 'symlink' : type === 0o040000 ? 'dir' : null;
    if (kind === null) continue;
    entries.push({
      path,
      kind,
      size: Number(match[1]),
      mtimeMs: Number(match[2]) * 1000,
      ctimeMs: Number(match[3]) * 1000,
      mode: raw & 0o7777,
      ino: Number(match[5]),
    });
  }
  return entries;
}

/**
 * A listing session inside a running bottle: one `docker exec` kept open while the Changes view
 * watches, so a refresh costs a `find`, not a new exec. Used once and closed for one-off reads
 * (`claude-bottle diff`, apply). The answer is a hint about what to read; content is always read
 * through the archive API.
 */
export class ProbeSession {
  private stream: Duplex | null = null;
  private readonly nonce = randomBytes(12).toString('hex');
  private buffer = '';
  private errors = '';
  private waiting: { resolve(answer: { text: string; marked: boolean }): void; reject(error: Error): void } | null = null;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor() {}

  static async open(container: EngineContainer, prunedDirs: string[]): Promise<ProbeSession> {
    const session = new ProbeSession();
    const exec = await container.exec({
      Cmd: ['sh', '-c', SCRIPT, 'claude-bottle-probe', ...prunedDirs.map((dir) => globEscape(`${WORKSPACE}/${dir}`))],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    const { stream, stdout: out, stderr: err } = await exec.startDemuxed({ stdin: true });
    session.stream = stream;
    out.setEncoding('utf8').on('data', (chunk: string) => session.onOutput(chunk));
    err.setEncoding('utf8').on('data', (chunk: string) => {
      session.errors = (session.errors + chunk).slice(-4000);
    });
    const ended = (): void =>
      session.fail(new ProbeError(session.errors.trim().split('\n').pop() || 'the listing inside the bottle ended'));
    stream.on('end', ended);
    stream.on('close', ended);
    stream.on('error', (error: Error) => session.fail(new ProbeError(error.message)));
    stream.write(`${session.nonce}\n`);
    return session;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Every entry of /workspace (ignored folders and `.git` left out); marks the time as `mark`. */
  full(mark: number): Promise<ProbeAnswer> {
    return this.ask(`full ${mark}`);
  }

  /** Entries modified since marker `since` was written; marks the time as `mark`, forgets `drop`. */
  since(since: number, mark: number, drop: number | null): Promise<ProbeAnswer> {
    return this.ask(`since ${since} ${mark}${drop === null ? '' : ` ${drop}`}`);
  }

  /** Entries modified in the last `minutes` minutes; marks the time as `mark`. */
  recent(minutes: number, mark: number): Promise<ProbeAnswer> {
    return this.ask(`recent ${Math.max(1, Math.ceil(minutes))} ${mark}`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream?.end();
    this.stream?.destroy();
    this.waiting?.reject(new ProbeError('the listing session was closed'));
    this.waiting = null;
  }

  private ask(command: string): Promise<ProbeAnswer> {
    const run = async (): Promise<ProbeAnswer> => {
      if (this.closed || this.stream === null) throw new ProbeError('the listing session is closed');
      this.errors = '';
      const { text, marked } = await new Promise<{ text: string; marked: boolean }>((resolve, reject) => {
        this.waiting = { resolve, reject };
        this.stream?.write(`${command}\n`);
      });
      return { entries: parseProbeListing(text), marked };
    };
    const result = this.queue.then(run, run);
    this.queue = settled(result); // the next command waits for this one, whatever its outcome
    return result;
  }

  private onOutput(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > MAX_OUTPUT_CHARS) {
      this.fail(new ProbeError('the listing from inside the bottle is too large'));
      return;
    }
    const marker = `@@claude-bottle-probe ${this.nonce} `;
    const at = this.buffer.indexOf(marker);
    if (at === -1) return;
    const end = this.buffer.indexOf('\n', at);
    if (end === -1) return;
    const [status, marked] = this.buffer.slice(at + marker.length, end).split(' ');
    const text = this.buffer.slice(0, at);
    this.buffer = this.buffer.slice(end + 1);
    const waiter = this.waiting;
    this.waiting = null;
    if (status !== '0')
      waiter?.reject(new ProbeError(this.errors.trim().split('\n').pop() || `find inside the bottle exited with ${status}`));
    else waiter?.resolve({ text, marked: marked === '1' });
  }

  private fail(error: Error): void {
    this.closed = true;
    this.waiting?.reject(error);
    this.waiting = null;
  }
}
