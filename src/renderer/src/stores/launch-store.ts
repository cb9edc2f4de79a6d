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

export const useLaunchStore = create<LaunchState>()((set, get) => ({
  agents: [],
  agentsError: null,
  agent: '',
  folder: '',
  copy: false,
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
  setAgent: (agent) => set({ agent }),
  setFolder: (folder) => set({ folder }),
  setCopy: (copy) => set({ copy }),
  setAutonomous: (autonomous) => set({ autonomous }),
  setContext: (context) => set({ context }),
  // An edit answers the last "fix the name or the task" message: it goes, the field says the rest.
  setName: (name) => set({ name, message: null }),
  setTask: (task) => set({ task, message: null }),
  setStarting: (starting) => set({ starting }),
  setMessage: (message) => set({ message }),
}));
