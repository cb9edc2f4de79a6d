import { loadBottle, type LoadedBottle } from './loaded-bottle';
import { connectDocker, type DockerConnection } from '../engine/docker-client';
import type { EngineClient } from '../engine/engine-client';
import { EngineRegistry, type Engine } from '../engine/engine-registry';
import { readEngineRecord } from '../state/bottle-engine';
import { CorruptBottleError } from '../state/metadata';
import { ActivityTracker } from '../base/activity-tracker';
import { BottleCaches } from '../base/bottle-caches';

/**
 * The core's dependencies (named so apart from a Docker context, which `engines` lists): what every
 * bottle operation needs: the engine it works on (connection and client), every engine
 * the app knows, the activity tracker (progress and the in-process lock), and how a bottle is
 * loaded. Created once per process (app, serve, CLI) for the current engine; an operation on one
 * bottle works on that bottle's engine through `onEngine`.
 */
export interface CoreDeps {
  engine: Engine;
  connection: DockerConnection;
  /** The engine's client (src/core/engine/engine-client.ts): the only way to the engine. */
  docker: EngineClient;
  engines: EngineRegistry;
  activity: ActivityTracker;
  /** What this core remembers per bottle: forgotten on remove, dropped on close. */
  caches: BottleCaches;
  /** Reads a bottle's metadata and agent once per operation (see LoadedBottle). */
  loadBottle(identity: string): Promise<LoadedBottle>;
  /**
   * The bottles' gateways (issue 19): `ready` resolves once the gateway of the bottle's engine has
   * its tables with this bottle in them. A launch awaits it before the container starts: until then
   * the gateway does not know the bottle's address, and refuses its first connections. A no-op until
   * the core sets its gateway service here.
   */
  gateways: {
    ready(identity: string): Promise<void>;
    /** The same for a container that is no bottle (the sign-in flow's), on the named engine. */
    readyOn(engine: string): Promise<void>;
    /**
     * Starts opening the named engine's gateway control stream, so the `ready` that follows finds it
     * open: its exec starts a program in the gateway, the slowest step of a launch. Never fails: a
     * stream that does not open is opened again, and its failure reported, by that `ready`.
     */
    open(engine: string): void;
  };
}

export function createCoreDeps(connection: DockerConnection = connectDocker()): CoreDeps {
  const engines = new EngineRegistry(process.env, connection);
  const engine = engines.current();
  return {
    engine,
    connection,
    docker: connection.docker,
    engines,
    activity: new ActivityTracker(),
    caches: new BottleCaches(),
    loadBottle,
    gateways: {
      ready: async (): Promise<void> => undefined,
      readyOn: async (): Promise<void> => undefined,
      open: (): void => undefined,
    },
  };
}

/** The same dependencies, working on another engine. */
export function onEngine(ctx: CoreDeps, engine: Engine): CoreDeps {
  if (engine === ctx.engine) return ctx;
  return { ...ctx, engine, connection: engine.connection, docker: engine.connection.docker };
}

/** The dependencies for one bottle: on the engine its state folder records (the default one if none). */
export function depsForBottle(ctx: CoreDeps, identity: string): CoreDeps {
  const record = readEngineRecord(identity);
  if (record.status === 'corrupt') throw new CorruptBottleError(identity, record.reason);
  return onEngine(ctx, ctx.engines.forBottle(record.status === 'ok' ? record.context : null));
}
