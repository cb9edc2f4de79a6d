import type { EngineContainer } from '../engine/engine-client';
import { BottleError } from '../base/bottle-error';
import { WORKSPACE } from '../engine/bottle-mounts';

/** What one path of the bottle's workspace goes back to: its start-of-run file or link, or nothing. */
export type DiscardTarget = { kind: 'file'; data: Buffer; mode: number } | { kind: 'symlink'; target: string } | { kind: 'absent' };

/**
 * Run in the bottle as its agent's own user (the exec's default), so a discard can do nothing the
 * agent could not do itself: whatever the agent made of the path's folders stays its own business.
 * A link or file at the path is replaced by a rename from a temp file beside it (never written
 * through); a folder there now is refused. Content comes on stdin, exactly $3 bytes.
 */
const SCRIPT = `set -e
cd "$0"
p=$1
if [ -d "$p" ] && [ ! -L "$p" ]; then echo "$p is a folder in the bottle now: not discarded" >&2; exit 3; fi
if [ "$2" = absent ]; then rm -f -- "$p"; exit 0; fi
d=$(dirname -- "$p")
mkdir -p -- "$d"
t="$d/.claude-bottle-discard-$$"
rm -f -- "$t"
if [ "$2" = file ]; then head -c "$3" > "$t"; chmod "$4" "$t"; else ln -s -- "$3" "$t"; fi
rm -f -- "$p"
mv -f -- "$t" "$p"`;

/** Puts one path of a running bottle's workspace back as `target` says; a failure is one line. */
export async function discardInBottle(container: EngineContainer, path: string, target: DiscardTarget): Promise<void> {
  const args =
    target.kind === 'file'
      ? ['file', String(target.data.length), (target.mode & 0o7777).toString(8)]
      : target.kind === 'symlink'
        ? ['symlink', target.target]
        : ['absent'];
  const exec = await container.exec({
    Cmd: ['sh', '-c', SCRIPT, WORKSPACE, path, ...args],
    AttachStdin: target.kind === 'file',
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const { stream, stdout, stderr } = await exec.startDemuxed({ stdin: target.kind === 'file' });
  let errors = '';
  stderr.setEncoding('utf8').on('data', (chunk: string) => {
    errors = (errors + chunk).slice(-2000);
  });
  stdout.resume();
  const ended = new Promise<void>((resolve, reject) => {
    stdout.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  // Written, not ended: `head -c` stops at the size, so no half-close of the engine's connection is needed.
  if (target.kind === 'file') stream.write(target.data);
  try {
    await ended;
  } finally {
    stream.destroy();
  }
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== 0) {
    const why = errors.trim().split('\n').pop() ?? '';
    throw new BottleError('conflict', `could not discard ${path} in the bottle: ${why !== '' ? why : `exit code ${String(ExitCode)}`}`);
  }
}
