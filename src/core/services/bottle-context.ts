import type Docker from 'dockerode';
import { ActivityTracker } from './activity-tracker';
import { connectDocker, type DockerConnection } from '../engine/docker-client';

/**
 * What every bottle operation needs: the engine connection and the activity tracker. Created once
 * per process (app, serve, CLI) and passed down, so tests can point it at any engine.
 */
export interface BottleContext {
  connection: DockerConnection;
  docker: Docker;
  activity: ActivityTracker;
}

export function createBottleContext(connection: DockerConnection = connectDocker()): BottleContext {
  return { connection, docker: connection.docker, activity: new ActivityTracker() };
}
