import { create } from 'zustand';
import type { AgentSummary } from '../../../shared/bottle-view';

interface LaunchState {
  agents: AgentSummary[];
  agentsError: string | null;
  agent: string;
  folder: string;
  copy: boolean;
  /** Run without permission prompts; off until the operator turns it on, never remembered across runs. */
  autonomous: boolean;
  /** The Docker context to start on; null: the current engine. */
  context: string | null;
  /** The operator's name for the next bottle (optional; `bottle:start` name). */
  name: string;
  /** The agent's first instruction (optional; `bottle:start` prompt). */
  task: string;
  starting: boolean;
  /** A message about the last drop or start (a file instead of a folder, a start error). */
  message: { level: 'info' | 'error'; text: string } | null;
  setAgents(agents: AgentSummary[]): void;
  setAgentsError(message: string): void;
  setAgent(agent: string): void;
  setFolder(folder: string): void;
  setCopy(copy: boolean): void;
  setAutonomous(autonomous: boolean): void;
  setContext(context: string | null): void;
  setName(name: string): void;
  setTask(task: string): void;
  setStarting(starting: boolean): void;
  setMessage(message: LaunchState['message']): void;
}

const STORAGE_KEY = 'claude-bottle.launch';

/** The last agent and mode the operator started with (autonomous is never remembered: it starts off). */
export interface LaunchPrefs {
  agent: string;
  copy: boolean;
}

/** The remembered choice, from this browser's storage; anything unreadable falls back to none. */
export function readLaunchPrefs(storage: Pick<Storage, 'getItem'> | undefined): LaunchPrefs {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    if (raw == null) return { agent: '', copy: false };
    const value = JSON.parse(raw) as Partial<Record<keyof LaunchPrefs, unknown>>;
    return { agent: typeof value.agent === 'string' ? value.agent : '', copy: value.copy === true };
  } catch (error: unknown) {
    // Storage disabled or a value from another version: no remembered choice.
    return { agent: '', copy: false };
  }
}

function saveLaunchPrefs(prefs: LaunchPrefs): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(prefs));
  } catch (error: unknown) {
    // Storage full or disabled (private mode): the choice holds for this session only.
  }
}

const remembered = readLaunchPrefs(globalThis.localStorage);

export const useLaunchStore = create<LaunchState>()((set, get) => ({
  agents: [],
  agentsError: null,
  // The remembered agent shows once the list has it (setAgents keeps it when it is still there).
  agent: remembered.agent,
  folder: '',
  copy: remembered.copy,
  autonomous: false,
  context: null,
  name: '',
  task: '',
  starting: false,
  message: null,
  setAgents: (agents) => {
    const current = get().agent;
    const keep = agents.some((agent) => agent.name === current);
    const preferred = agents.find((agent) => agent.name === 'claude') ?? agents[0];
    set({ agents, agentsError: null, agent: keep ? current : (preferred?.name ?? '') });
  },
  setAgentsError: (message) => set({ agentsError: message }),
  setAgent: (agent) => {
    set({ agent });
    saveLaunchPrefs({ agent, copy: get().copy });
  },
  setFolder: (folder) => set({ folder }),
  setCopy: (copy) => {
    set({ copy });
    saveLaunchPrefs({ agent: get().agent, copy });
  },
  setAutonomous: (autonomous) => set({ autonomous }),
  setContext: (context) => set({ context }),
  // An edit answers the last "fix the name or the task" message: it goes, the field says the rest.
  setName: (name) => set({ name, message: null }),
  setTask: (task) => set({ task, message: null }),
  setStarting: (starting) => set({ starting }),
  setMessage: (message) => set({ message }),
}));
