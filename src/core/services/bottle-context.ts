import type Docker from 'dockerode';
import { loadBottle, type LoadedBottle } from '../bottles/loaded-bottle';
import { connectDocker, type DockerConnection } from '../engine/docker-client';
import { ActivityTracker } from './activity-tracker';

/**
 * What every bottle operation needs: the engine connection, the activity tracker (progress and
 * the in-process lock), and how a bottle is loaded. Created once per process (app, serve, CLI) and
 * passed down, so tests can point it at any engine.
 */
export interface BottleContext {
  connection: DockerConnection;
  docker: Docker;
  activity: ActivityTracker;
  /** Reads a bottle's metadata and agent once per operation (see LoadedBottle). */
  loadBottle(identity: string): Promise<LoadedBottle>;
}

export function createBottleContext(connection: DockerConnection = connectDocker()): BottleContext {
  return { connection, docker: connection.docker, activity: new ActivityTracker(), loadBottle };
}
