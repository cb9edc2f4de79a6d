import { IpcError } from '../../../shared/ipc-contract';
import { invoke } from '../api/api';
import { useStatsStore } from '../stores/stats-store';

/** Scrolling settles before the core is told what shows now. */
const SETTLE_MS = 250;

/**
 * This window's one stats watch: the union of the running bottles its parts show (the list's
 * visible rows or cards, the open bottle view). The core samples only watched bottles, so what
 * scrolls out of view stops costing anything.
 */
class StatsWatch {
  private readonly wants = new Map<string, readonly string[]>();
  private subscriptionId: string | null = null;
  private sent = '';
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushing = false;

  want(key: string, identities: readonly string[]): void {
    this.wants.set(key, identities);
    this.schedule();
  }

  drop(key: string): void {
    if (this.wants.delete(key)) this.schedule();
  }

  /** The connection came back: the server closed our watch with the old socket, so open a new one. */
  reconnected(): void {
    this.subscriptionId = null;
    this.sent = '';
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, SETTLE_MS);
  }

  private async flush(): Promise<void> {
    if (this.flushing) {
      this.schedule();
      return;
    }
    const identities = [...new Set([...this.wants.values()].flat())].sort();
    const key = identities.join(' ');
    if (key === this.sent) return;
    this.flushing = true;
    try {
      if (identities.length === 0) {
        const closing = this.subscriptionId;
        this.subscriptionId = null;
        this.sent = '';
        if (closing !== null) await invoke('stats:unwatch', closing);
        return;
      }
      const result = await invoke('stats:watch', { subscriptionId: this.subscriptionId, identities });
      this.subscriptionId = result.subscriptionId;
      this.sent = key;
      useStatsStore.getState().add(result.history);
    } catch (error: unknown) {
      // The watch was closed under us (the server restarted, the socket dropped): start a new one.
      if (error instanceof IpcError && error.code === 'not-found' && this.subscriptionId !== null) {
        this.subscriptionId = null;
        this.sent = '';
        this.schedule();
      }
      // Anything else (Docker away, the link down) shows elsewhere; stats just pause until the next change.
    } finally {
      this.flushing = false;
    }
  }
}

export const statsWatch = new StatsWatch();
