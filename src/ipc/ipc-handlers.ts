import type { AppEvent } from '../shared/app-events';
import type { Core } from '../core/create-core';
import type { ClientSession } from '../core/services/client-session';
import type { CoreHandlers } from './dispatch';
import { timelineJsonLines } from '../core/timeline/timeline-export';

/** One client bound to the core: its handlers, and its close (which releases what it opened). */
export interface ClientBinding {
  handlers: CoreHandlers;
  close(): Promise<void>;
}

/** Opens a client that receives its events through `send`. */
export type OpenClient = (send: (event: AppEvent) => void) => ClientBinding;

/** Each client (a window's page, a browser tab) gets its own session of the core. */
export function coreClients(core: Core): OpenClient {
  return (send) => {
    const session = core.openSession(send);
    return { handlers: coreHandlers(core, session), close: () => session.dispose() };
  };
}

/**
 * The contract bound to the core's services for one client, one line per channel: what the
 * desktop app and `serve` dispatch into. What a client opens (terminals, logs, stats and Changes
 * watches) goes through its session, which owns it. No rule lives here; the services own them all.
 */
export function coreHandlers(core: Core, session: ClientSession): CoreHandlers {
  const { bottles, credentials, changes } = core;
  return {
    'bottles:list': () => bottles.list(),
    'agents:list': async ({ cwd }) => core.agents.list(cwd),
    'engine:status': () => core.engine.status(),
    'engines:list': () => core.engine.list(),
    'bottle:start': (request) => bottles.start(request),
    'bottle:stop': async (identity) => (await bottles.stop(identity), null),
    'bottle:remove': async (identity, options) => (await bottles.remove(identity, options), null),
    'bottle:resume': (identity) => bottles.resume(identity),
    'bottle:checkpoint': (identity, { name }) => core.checkpoints.create(identity, { name }),
    'bottle:checkpoints': (identity) => core.checkpoints.list(identity),
    'bottle:checkpoint-drop': (identity, { checkpoint }) => core.checkpoints.drop(identity, checkpoint),
    'bottle:restore': (identity, { checkpoint }) => core.checkpoints.restore(identity, checkpoint, { writeFolder: true }),
    'bottle:fork': (identity, request) => core.forks.fork(identity, request),
    'bottle:approve': async (identity, options) => ({ imageId: (await bottles.approve(identity, options)).imageId }),
    'bottle:reject': async (identity, options) => (await bottles.reject(identity, options), null),
    'bottle:history': (identity) => bottles.history(identity),
    'bottle:timeline': (identity) => bottles.timeline(identity),
    'bottle:timeline-export': async (identity) => timelineJsonLines(await bottles.timeline(identity)),
    'bottle:dismiss-error': async (identity) => (bottles.dismissError(identity), null),
    'terminal:open': ({ identity, cols, rows }) => session.openTerminal('agent', identity, cols, rows),
    'terminal:input': async (sessionId, data) => (await session.terminalInput(sessionId, data), null),
    'terminal:resize': async (sessionId, cols, rows) => (await session.terminalResize(sessionId, cols, rows), null),
    'terminal:close': async (sessionId) => (await session.closeTerminal(sessionId), null),
    'bottles:newest': (count) => bottles.newest(count),
    'bottles:bulk': (request) => bottles.bulk(request),
    'bottle:inspect': (identity) => bottles.inspect(identity),
    'shell:open': ({ identity, cols, rows }) => session.openTerminal('shell', identity, cols, rows),
    'logs:open': (request) => session.openLogs(request),
    'logs:close': async (streamId) => (await session.closeLogs(streamId), null),
    'stats:watch': async (request) => session.watchStats(request),
    'stats:unwatch': async (subscriptionId) => (await session.unwatchStats(subscriptionId), null),
    'agents:review': ({ cwd, name }) => core.agents.review(name, cwd),
    'agents:trust': async ({ cwd, name, contextHash }) => (await core.agents.trust(name, cwd, contextHash), null),
    'bottle:request': (identity, requestId) => bottles.request(identity, requestId),
    'credentials:status': () => credentials.status(),
    'credentials:forget': () => credentials.forget(),
    'credentials:set': ({ name, value }) => credentials.setSecret(name, value),
    'credentials:login': ({ cols, rows }) => session.openSignIn(cols, rows),
    'changes:watch': (identity, { since }) => session.watchChanges(identity, since),
    'changes:unwatch': async (identity) => (await session.unwatchChanges(identity), null),
    'changes:file': (identity, { path, view, since }) => changes.file(identity, path, view, since),
    'changes:unapplied': (identity) => changes.unapplied(identity),
    'changes:apply': (identity, options) => changes.apply(identity, options),
    'changes:discard': (identity, { path }) => changes.discard(identity, path),
    'changes:merge': (identity, { path }) => changes.mergeVersions(identity, path),
    'changes:resolve': (identity, request) => changes.resolve(identity, request),
    'changes:compare': (identity, { against }) => changes.compare(identity, against),
    'changes:export': (identity, { branch }) => changes.export(identity, { branch }),
    'network:answer': async ({ identity, requestId, answer }) => (await core.network.answer(identity, requestId, answer), null),
    'network:log': ({ identity, limit }) => core.network.logView(identity, limit),
    'permission:answer': async ({ identity, requestId, answer, message }) => (
      await bottles.answerPermission(identity, requestId, answer, message ?? ''),
      null
    ),
    'bottle:send': async (identity, text) => (await bottles.send(identity, text), null),
  };
}
