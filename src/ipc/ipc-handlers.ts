import type { Core } from '../core/create-core';
import type { CoreHandlers } from './dispatch';

/**
 * The contract bound to the core's services, one line per channel: what the desktop app and
 * `serve` dispatch into. No rule lives here; the services own them all.
 */
export function coreHandlers(core: Core): CoreHandlers {
  const { bottles, terminals, logs, stats, credentials, changes } = core;
  return {
    'bottles:list': () => bottles.list(),
    'agents:list': async ({ cwd }) => core.agents.list(cwd),
    'engine:status': () => core.engine.status(),
    'engines:list': () => core.engine.list(),
    'bottle:start': (request) => bottles.start(request),
    'bottle:stop': async (identity) => (await bottles.stop(identity), null),
    'bottle:remove': async (identity, options) => (await bottles.remove(identity, options), null),
    'bottle:resume': (identity) => bottles.resume(identity),
    'bottle:approve': async (identity, options) => ({ imageId: (await bottles.approve(identity, options)).imageId }),
    'bottle:reject': async (identity, options) => (await bottles.reject(identity, options), null),
    'bottle:history': (identity) => bottles.history(identity),
    'bottle:dismiss-error': async (identity) => (bottles.dismissError(identity), null),
    'terminal:open': ({ identity, cols, rows }) => terminals.open(identity, cols, rows),
    'terminal:input': async (sessionId, data) => (await terminals.input(sessionId, data), null),
    'terminal:resize': async (sessionId, cols, rows) => (await terminals.resize(sessionId, cols, rows), null),
    'terminal:close': async (sessionId) => (await terminals.close(sessionId), null),
    'bottles:newest': (count) => bottles.newest(count),
    'bottles:bulk': (request) => bottles.bulk(request),
    'bottle:inspect': (identity) => bottles.inspect(identity),
    'shell:open': ({ identity, cols, rows }) => terminals.openShell(identity, cols, rows),
    'logs:open': (request) => logs.open(request),
    'logs:close': async (streamId) => (logs.close(streamId), null),
    'stats:watch': async (request) => stats.watch(request),
    'stats:unwatch': async (subscriptionId) => (stats.unwatch(subscriptionId), null),
    'agents:review': ({ cwd, name }) => core.agents.review(name, cwd),
    'agents:trust': async ({ cwd, name, contextHash }) => (await core.agents.trust(name, cwd, contextHash), null),
    'bottle:request': (identity, requestId) => bottles.request(identity, requestId),
    'credentials:status': () => credentials.status(),
    'credentials:forget': () => credentials.forget(),
    'credentials:set': ({ name, value }) => credentials.setSecret(name, value),
    'changes:watch': (identity) => changes.watch(identity),
    'changes:unwatch': async (identity) => (await changes.unwatch(identity), null),
    'changes:file': (identity, { path, view }) => changes.file(identity, path, view),
    'changes:apply': (identity, options) => changes.apply(identity, options),
    'changes:export': (identity, { branch }) => changes.export(identity, { branch }),
  };
}
