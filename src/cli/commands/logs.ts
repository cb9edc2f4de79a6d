import { bottleArg, createCliCore } from '../cli-context';
import { parseCommandArgs, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle logs <identity> [--follow] [--tail N]';

function parseTail(value: string | boolean | undefined): number | 'all' {
  if (value === undefined || typeof value === 'boolean' || value === 'all') return 'all';
  if (!/^\d+$/.test(value))
    throw new UsageError(`invalid --tail ${JSON.stringify(value.slice(0, 20))}: a number of lines (usage: ${USAGE})`);
  return Number(value);
}

/** The bottle's output as the engine kept it (what its terminal showed); --follow keeps printing until it stops or Ctrl-C. */
export const run: CliCommand = async (argv, owner) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { follow: { type: 'boolean', short: 'f' }, tail: { type: 'string', short: 'n' } },
    USAGE,
  );
  if (positionals.length !== 1) throw new UsageError(`expected one identity (usage: ${USAGE})`);
  const core = createCliCore(owner);
  const identity = await bottleArg(core, positionals[0]);
  const stream = await core.bottles.logs(identity, { tail: parseTail(values.tail), follow: values.follow === true });
  const stop = (): void => {
    stream.destroy();
  };
  owner.add({ dispose: stop });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Piped into `head` or a pager that quit: stop reading, not an error.
  process.stdout.on('error', stop);
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      if (!process.stdout.write(chunk)) {
        stream.pause();
        process.stdout.once('drain', () => stream.resume());
      }
    });
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  return 0;
};
