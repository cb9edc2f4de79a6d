import { createCore, type Core } from '../../core/create-core';
import { coreHandlers } from '../../ipc/ipc-handlers';
import { startServeServer } from '../../serve/serve-server';
import { fail, info, parseCommandArgs, UsageError, type CliCommand } from '../cli-io';

const USAGE = 'claude-bottle serve [--port N]';
/** A fixed default so an SSH tunnel command can be written once; --port 0 picks a free port. */
const DEFAULT_PORT = 7420;

function parsePort(value: string | boolean | undefined): number {
  if (value === undefined || typeof value === 'boolean') return DEFAULT_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`invalid port ${JSON.stringify(value)} (usage: ${USAGE})`);
  return port;
}

/** Browser mode: serves the app on 127.0.0.1 until SIGINT/SIGTERM, then closes streams; bottles keep running. */
export const run: CliCommand = async (argv) => {
  let core: Core | null = null;
  try {
    const { values, positionals } = parseCommandArgs(argv, { port: { type: 'string' } }, USAGE);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])} (usage: ${USAGE})`);
    const port = parsePort(values.port);
    const live = createCore({ live: true });
    core = live;
    const server = await startServeServer({
      core: { handlers: coreHandlers(live), subscribe: (listener) => live.subscribe(listener) },
      port,
      onInternalError: (error) => live.notices.failure('Internal error', error),
    });
    info(`Claude Bottle is serving on 127.0.0.1 only. Open this URL; it holds the access token, valid until this server stops, so keep it to yourself:\n${server.url}`);
    info(`From another machine: ssh -L ${server.port}:127.0.0.1:${server.port} <this host>, then open the same URL there.`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    info(`Received ${signal}; closing (bottles keep running).`);
    await server.close();
    await live.close();
    return 0;
  } catch (error: unknown) {
    if (core !== null) await core.close().catch(() => undefined);
    return fail(error);
  }
};
