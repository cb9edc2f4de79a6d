import type { SecretPlacement } from './secret-placement';

/**
 * What the bottle view's Inspect tab shows: how the bottle is built and run, read from the engine
 * and the state folder by the core. Pure types.
 */

export interface InspectMount {
  type: string;
  source: string;
  target: string;
  readOnly: boolean;
}

/** A network the container is attached to, and what it is to the bottle. */
export interface InspectNetwork {
  name: string;
  /** `gateway`: the bottle's own network, whose only other member is our gateway (issue 19);
   * `engine-default`: the engine's bridge, with the host's reach; `other`: anything else. */
  role: 'gateway' | 'engine-default' | 'other';
  ipAddress: string | null;
}

/** Who the container runs as, resolved to a uid as the engine resolves it. */
export interface InspectRunAs {
  /** Docker `User`, the create's or else the image's; '' is the image default, root. */
  user: string;
  /** null when the image's users could not be read (the reason is in `uidError`). */
  uid: number | null;
  uidError: string | null;
  /** Set when uid is 0: what that means and what to do, in one or two sentences. */
  rootWarning: string | null;
}

export interface BottleInspect {
  identity: string;
  /** The image the container runs (tag), and its id; null without a container. */
  image: string | null;
  imageId: string | null;
  /** The Dockerfile the bottle is built from: its own after an approved request, else its agent's. */
  dockerfile: { source: 'bottle' | 'agent'; text: string } | null;
  /** Why the Dockerfile could not be read (a missing agent, a corrupt bottle); null when it was. */
  dockerfileError: string | null;
  container: {
    id: string;
    name: string;
    state: string;
    createdAt: string;
    startedAt: string | null;
    /** Docker `User` the agent runs as (and the Shell tab opens as); null means the image's own. */
    user: string | null;
    workdir: string | null;
    command: string[];
    runAs: InspectRunAs;
    /** The names of its environment variables, never their values (passed-through ones may be secrets). */
    envNames: string[];
  } | null;
  /** The networks the container is attached to; empty without a container. */
  networks: InspectNetwork[];
  /** The engine's own inspect JSON, pretty-printed, every `Env` value replaced by `…`; null without a container. */
  engineJson: string | null;
  mounts: InspectMount[];
  limits: {
    memoryBytes: number | null;
    nanoCpus: number | null;
    pidsLimit: number | null;
    capDrop: string[];
    capAdd: string[];
    securityOpt: string[];
    privileged: boolean;
  } | null;
  engine: { endpoint: string; source: string; context: string | null };
  stateFolder: string;
  /** Size of the state folder in bytes, when it has been measured; null otherwise. */
  stateBytes: number | null;
  /** Each secret its agent reads and where it goes (issue 20); empty when the agent cannot be loaded. */
  secrets: SecretPlacement[];
}
