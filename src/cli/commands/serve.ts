import { createCore } from '../../core/create-core';
import { coreClients } from '../../ipc/ipc-handlers';
import { startServeServer } from '../../serve/serve-server';
import { fail, info, parseCommandArgs, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle serve [--port N]';
/** A fixed default so an SSH tunnel command can be written once; --port 0 picks a free port. */
const DEFAULT_PORT = 7420;
/** How long a signalled server may take to close before it exits anyway. */
const CLOSE_GRACE_MS = 10_000;

function parsePort(value: string | boolean | undefined): number {
  if (value === undefined || typeof value === 'boolean') return DEFAULT_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`invalid port ${JSON.stringify(value)} (usage: ${USAGE})`);
  return port;
}

/** Browser mode: serves the app on 127.0.0.1 until SIGINT/SIGTERM, then closes streams; bottles keep running. */
export const run: CliCommand = async (argv, owner) => {
  try {
    const { values, positionals } = parseCommandArgs(argv, { port: { type: 'string' } }, USAGE);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])} (usage: ${USAGE})`);
    const port = parsePort(values.port);
    const live = createCore({ live: true });
    // Closed by the command's owner, newest first: the server (and each tab's session), then the core.
    owner.add({ dispose: () => live.close() });
    const server = await startServeServer({
      core: { openClient: coreClients(live) },
      port,
      onInternalError: (error) => live.notices.failure('Internal error', error),
    });
    owner.add({ dispose: () => server.close() });
    info(
      `Claude Bottle is serving on 127.0.0.1 only. Open this URL; it holds the access token, valid until this server stops, so keep it to yourself:\n${server.url}`,
    );
    info(`From another machine: ssh -L ${server.port}:127.0.0.1:${server.port} <this host>, then open the same URL there.`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    info(`Received ${signal}; closing (bottles keep running).`);
    // A signal must end the server: if closing, or a handle something left open, keeps the process
    // alive past this, it is said in one line and the process exits (seen once in CI: a test's
    // teardown waited 120 s on a serve that had closed). unref: a clean close exits sooner.
    setTimeout(() => {
      info(`Closing took over ${CLOSE_GRACE_MS / 1000} s; exiting now.`);
      process.exit(1);
    }, CLOSE_GRACE_MS).unref();
    return 0;
  } catch (error: unknown) {
    return fail(error);
  }
};
