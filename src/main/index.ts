import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, Notification } from 'electron';
import { createBottleCore } from '../core/services/bottle-core';
import { errorMessage } from '../core/services/bottle-error';
import { createIpcDispatcher } from '../ipc/dispatch';
import { bindIpcMain, pushAppEvent } from './ipc-main-binding';
import { applySecurityRestrictions } from './security-restrictions';

const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const rendererFile = join(import.meta.dirname, '../renderer/index.html');
const appLocation = { rendererFileUrl: pathToFileURL(rendererFile).href, devServerUrl };

function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Claude Bottle',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  if (devServerUrl !== undefined && devServerUrl !== '') void window.loadURL(devServerUrl);
  else void window.loadFile(rendererFile);
  return window;
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  applySecurityRestrictions(appLocation);
  await app.whenReady();

  const core = createBottleCore();
  const window = createMainWindow();
  const dispatcher = createIpcDispatcher(
    {
      ...core.handlers,
      'dialog:choose-folder': async () => {
        const result = await dialog.showOpenDialog(window, { properties: ['openDirectory'], title: 'Choose a project folder' });
        return result.canceled ? null : (result.filePaths[0] ?? null);
      },
    },
    (error) => console.error('claude-bottle: internal error:', errorMessage(error)),
  );
  const unbind = bindIpcMain(window, dispatcher, appLocation);

  // One desktop notification per request that starts waiting for the operator.
  const notified = new Set<string>();
  const unsubscribe = core.subscribe((event) => {
    pushAppEvent(window, event);
    if (event.type !== 'bottle-changed' || event.bottle.pendingRequest === null) return;
    const key = `${event.bottle.identity}/${event.bottle.pendingRequest.id}`;
    if (notified.has(key) || !Notification.isSupported()) return;
    notified.add(key);
    new Notification({ title: `${event.bottle.identity} needs approval`, body: event.bottle.pendingRequest.reason.slice(0, 200) }).show();
  });

  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => app.quit());
  // Bottles keep running: closing the app only closes our streams and watchers.
  app.on('will-quit', () => {
    unsubscribe();
    unbind();
    void core.close();
  });
}

main().catch((error: unknown) => {
  console.error('claude-bottle: failed to start:', errorMessage(error));
  app.exit(1);
});
