import { describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../src/core/deps/core-deps';
import { GatewayService, type GatewayServiceHooks } from '../../src/core/services/gateway-service';
import { tryHoldRootLock } from '../../src/core/state/root-lock';
import { useTempHome } from '../helpers/temp-home';

useTempHome();

/** A live core's gateway service with nothing to push: only its hold of the recorder lock is used. */
function liveService(): { service: GatewayService; isRecorder: () => Promise<boolean> } {
  const service = new GatewayService({} as CoreDeps, {} as GatewayServiceHooks, true);
  const isRecorder = (service as unknown as { isRecorder(): Promise<boolean> }).isRecorder.bind(service);
  return { service, isRecorder };
}

describe("a live core's hold of the network recorder lock", () => {
  it('is taken once when many records ask at once, kept, and let go at close for the next core', async () => {
    const first = liveService();
    // A stream opening and its first held request ask together: every asker hears that this core records.
    expect(await Promise.all([first.isRecorder(), first.isRecorder(), first.isRecorder()])).toEqual([true, true, true]);
    expect(await first.isRecorder()).toBe(true);
    // Another core (here, of this same process) cannot take it while this one holds it.
    expect(await tryHoldRootLock('network-recorder')).toBeNull();

    await first.service.close();
    const next = liveService();
    expect(await next.isRecorder()).toBe(true);
    await next.service.close();
  });

  it('lets go of a lock it took while closing', async () => {
    const core = liveService();
    const asking = core.isRecorder();
    await core.service.close();
    await asking;
    const hold = await tryHoldRootLock('network-recorder');
    expect(hold).not.toBeNull();
    await hold?.release();
  });
});
