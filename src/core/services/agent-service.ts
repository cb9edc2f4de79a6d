import type { AgentSummary, ProjectAgentReview } from '../../shared/bottle-view';
import { listAgents } from '../agents/agents';
import { reviewProjectAgent, trustProjectAgent } from '../agents/project-agent-review';
import { checkProjectFolder } from '../bottles/project-folder';
import { currentSecretPlacements } from '../credentials/secret-placements';
import { operatorName } from '../rebuild/approval';
import type { CoreDeps } from '../deps/core-deps';

/**
 * Agents as every front end sees them: the list (project agents apart, with their trust), and the
 * Trust step for a project agent (review it, then trust exactly what was reviewed).
 */
export class AgentService {
  constructor(private readonly ctx: CoreDeps) {}

  list(cwd?: string): Promise<AgentSummary[]> {
    return listAgents(cwd);
  }

  /** A project agent's files for the operator to read; the project folder gets the start rule. */
  async review(name: string, cwd: string): Promise<ProjectAgentReview> {
    return reviewProjectAgent(name, await checkProjectFolder(this.ctx, cwd), currentSecretPlacements);
  }

  /** Trusts a project agent as reviewed: refused when its folder changed since (`contextHash`). */
  async trust(name: string, cwd: string, contextHash: string | null): Promise<void> {
    await trustProjectAgent(name, await checkProjectFolder(this.ctx, cwd), contextHash, operatorName());
  }
}
