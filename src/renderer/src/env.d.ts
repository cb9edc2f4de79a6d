import type { ClaudeBottleApi } from '../../shared/ipc-contract';

declare global {
  interface Window {
    claudeBottle: ClaudeBottleApi;
  }
}
