import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, dialog, type BrowserWindow } from 'electron';
import { createCore, type Core } from '../core/create-core';
import { dispatchClients } from '../ipc/client-dispatch';
import { coreClients } from '../ipc/ipc-handlers';
import { createMainWindow } from './app-window';
import { ApprovalNotifications } from './approval-notifications';
import { bindIpcMain, pushAppEvent } from './ipc-main-binding';
import { applySecurityRestrictions, type AppLocation } from './security-restrictions';

const rendererFile = join(import.meta.dirname, '../renderer/index.html');

/** A packaged app only ever loads its own files: the dev server variable is for `npm run dev`. */
function appLocation(): AppLocation {
  const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
  return { rendererFileUrl: pathToFileURL(rendererFile).href, devServerUrl };
}

function focus(window: BrowserWindow): void {
  if (window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

/**
 * The desktop app: one window bound to the core through the IPC contract. Everything else (every
 * rule about bottles) is in the core; this only adds what Electron has: the window, the native
 * folder dialog, notifications and the single-instance lock.
 */
export async function runDesktopApp(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const location = appLocation();
  applySecurityRestrictions(location);
  await app.whenReady();
  // Packaged, the shipped agents and in-bottle tool sit outside the asar, where Docker can mount them.
  if (app.isPackaged) process.env.CLAUDE_BOTTLE_RESOURCES ??= join(process.resourcesPath, 'resources');

  const core = createCore({ live: true });
  const window = createMainWindow(location, rendererFile);
  // Each page the window loads is one client session: its events, its terminals and watches.
  const openClient = dispatchClients(
    coreClients(core),
    {
      'dialog:choose-folder': async () => {
        const result = await dialog.showOpenDialog(window, { properties: ['openDirectory'], title: 'Choose a project folder' });
        return result.canceled ? null : (result.filePaths[0] ?? null);
      },
    },
    (error) => core.notices.failure('Internal error', error),
  );
  const unbind = bindIpcMain(window, openClient, location, (error) =>
    core.notices.failure('Could not close what the page had open', error),
  );
  // A click on a notification brings the window forward with that bottle's approval panel open.
  const notifications = new ApprovalNotifications((identity) => {
    focus(window);
    pushAppEvent(window, { type: 'open-approval', identity });
  });
  let badge = -1;
  const unsubscribe = core.subscribe((event) => {
    notifications.handle(event);
    // The dock / taskbar badge counts the requests waiting for a decision, as the window title does.
    if (notifications.waiting !== badge) {
      badge = notifications.waiting;
      app.setBadgeCount(badge);
    }
  });

  app.on('second-instance', () => focus(window));
  app.on('window-all-closed', () => app.quit());
  // Bottles keep running: quitting only closes our streams and watchers. The quit waits (a bounded
  // time) for the core to close, so no stream or engine connection is cut half-way, then exits
  // (which emits no second will-quit).
  let closing: Promise<void> | null = null;
  app.on('will-quit', (event) => {
    event.preventDefault();
    closing ??= closeCore(core, unsubscribe, unbind).finally(() => app.exit(0));
  });
}

/** How long quitting waits for the core to close before it goes anyway. */
const CLOSE_WAIT_MS = 5000;

async function closeCore(core: Core, unsubscribe: () => void, unbind: () => Promise<void>): Promise<void> {
  unsubscribe();
  const close = async (): Promise<void> => {
    await unbind();
    await core.close();
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.error(`claude-bottle: the core did not close within ${CLOSE_WAIT_MS / 1000} s; quitting anyway`);
      resolve();
    }, CLOSE_WAIT_MS);
  });
  try {
    await Promise.race([close(), timeout]);
  } catch (error: unknown) {
    console.error('claude-bottle: closing the core failed:', error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(timer);
  }
}
