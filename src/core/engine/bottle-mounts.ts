/**
 * Where a bottle's container sees what we put in it: the in-bottle tool, the run folder (inbox and
 * Dockerfile) and the project. The in-container half of the container contract (DESIGN.md): the
 * launch mounts them, the Changes reader and the remote inbox read from them, so they live below
 * every domain rather than in the launch's spec.
 */
export const TOOL_MOUNT = '/opt/claude-bottle';
export const RUN_MOUNT = '/run/claude-bottle';
export const WORKSPACE = '/workspace';
