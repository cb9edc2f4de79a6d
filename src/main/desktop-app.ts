import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, dialog, type BrowserWindow } from 'electron';
import { createCore } from '../core/create-core';
import { createIpcDispatcher } from '../ipc/dispatch';
import { coreHandlers } from '../ipc/ipc-handlers';
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
  const dispatcher = createIpcDispatcher(
    {
      ...coreHandlers(core),
      'dialog:choose-folder': async () => {
        const result = await dialog.showOpenDialog(window, { properties: ['openDirectory'], title: 'Choose a project folder' });
        return result.canceled ? null : (result.filePaths[0] ?? null);
      },
    },
    (error) => core.notices.failure('Internal error', error),
  );
  const unbind = bindIpcMain(window, dispatcher, location);
  // A click on a notification brings the window forward with that bottle's approval panel open.
  const notifications = new ApprovalNotifications((identity) => {
    focus(window);
    pushAppEvent(window, { type: 'open-approval', identity });
  });
  let badge = -1;
  const unsubscribe = core.subscribe((event) => {
    pushAppEvent(window, event);
    notifications.handle(event);
    // The dock / taskbar badge counts the bottles waiting for a decision.
    if (notifications.size !== badge) {
      badge = notifications.size;
      app.setBadgeCount(badge);
    }
  });

  app.on('second-instance', () => focus(window));
  app.on('window-all-closed', () => app.quit());
  // Bottles keep running: quitting only closes our streams and watchers.
  app.on('will-quit', () => {
    unsubscribe();
    unbind();
    core.close().catch((error: unknown) => console.error('claude-bottle: closing the core failed:', error instanceof Error ? error.message : String(error)));
  });
}
