/**
 * Which ways of handing a project folder to a bottle an engine allows, decided once for the start
 * panel (which shows a refused mode disabled, with why) and the core (which refuses it). Pure.
 */

export type LaunchMode = 'mount' | 'copy';

/** What the rule needs to know of an engine: its name, where it runs, and its endpoint. */
export interface EngineReach {
  name: string;
  /** On this machine: it can see (and so bind-mount) this machine's folders. */
  local: boolean;
  /** Its endpoint, e.g. unix:///var/run/docker.sock, tcp://build-box:2376, ssh://me@build-box. */
  host: string;
}

export interface LaunchModeState {
  mode: LaunchMode;
  allowed: boolean;
  /** Why not, when not allowed. */
  reason: string | null;
}

/** Why this engine cannot mount the project folder; null when it can. */
function mountRefusal(engine: EngineReach): string | null {
  if (engine.local) return null;
  const transport = engine.host.includes('://') ? (engine.host.split('://')[0] ?? '') : '';
  return `mount mode needs the project folder on the engine's own machine, and engine "${engine.name}" is reached over ${transport === '' ? 'the network' : transport}`;
}

/** Each mode, in the order the start panel offers them, allowed or with why not. */
export function launchModesFor(engine: EngineReach): LaunchModeState[] {
  const reason = mountRefusal(engine);
  return [
    { mode: 'mount', allowed: reason === null, reason },
    // A copy goes into the container through the engine's API: any engine takes it.
    { mode: 'copy', allowed: true, reason: null },
  ];
}

/** Why this mode cannot run on this engine; null when it can. */
export function launchModeRefusal(engine: EngineReach, mode: LaunchMode): string | null {
  return launchModesFor(engine).find((state) => state.mode === mode)?.reason ?? null;
}

/**
 * The mode a start uses: the one chosen, or the first the engine allows when it refuses that one
 * (the start panel shows that one checked and says why). `modes` null: the engine is not known yet,
 * and the core decides.
 */
export function launchModeUsed(modes: readonly LaunchModeState[] | null, copy: boolean): LaunchMode {
  const chosen: LaunchMode = copy ? 'copy' : 'mount';
  if (modes === null || modes.some((state) => state.mode === chosen && state.allowed)) return chosen;
  return modes.find((state) => state.allowed)?.mode ?? chosen;
}
