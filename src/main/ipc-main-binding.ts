import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { APP_EVENT_CHANNEL, IPC_CHANNEL_NAMES, type AppEvent } from '../shared/ipc-contract';
import type { DispatchClient, OpenDispatchClient } from '../ipc/client-dispatch';
import { isAppUrl, type AppLocation } from './security-restrictions';

/**
 * Binds every contract channel to ipcMain through `handle()`: the sender must be our own window's
 * main frame, and the dispatcher validates arguments before any handler runs. Each page the window
 * loads is one client session of the core, pushed its own events: what the page opens (terminals,
 * shells, log streams, stats and Changes watches) is closed when it reloads, crashes or goes, and
 * the next page starts a fresh session. The returned function closes the binding and waits for
 * the last session to close.
 */
export function bindIpcMain(
  window: BrowserWindow,
  openClient: OpenDispatchClient,
  app: AppLocation,
  onCloseError: (error: unknown) => void,
): () => Promise<void> {
  const open = (): DispatchClient => openClient((event) => pushAppEvent(window, event));
  let client = open();
  const handle =
    (channel: string) =>
    async (event: IpcMainInvokeEvent, ...args: unknown[]): Promise<unknown> => {
      const frame = event.senderFrame;
      const trusted = event.sender === window.webContents && frame !== null && frame.parent === null && isAppUrl(frame.url, app);
      if (!trusted) return { ok: false, error: { code: 'forbidden', message: 'IPC from an untrusted frame was refused' } };
      return client.dispatch(channel, args);
    };
  for (const channel of IPC_CHANNEL_NAMES) ipcMain.handle(channel, handle(channel));
  // After these, nothing the previous page opened has a reader any more; a new page gets a new session.
  let closing: Promise<void> = Promise.resolve();
  const replace = (next: DispatchClient | null): void => {
    const gone = client;
    if (next !== null) client = next;
    closing = closing.then(() => gone.close()).catch(onCloseError);
  };
  const pageGone = (): void => replace(open());
  const windowGone = (): void => replace(null);
  const contents = window.webContents;
  contents.on('did-navigate', pageGone);
  contents.on('render-process-gone', pageGone);
  contents.on('destroyed', windowGone);
  return async () => {
    for (const channel of IPC_CHANNEL_NAMES) ipcMain.removeHandler(channel);
    contents.removeListener('did-navigate', pageGone);
    contents.removeListener('render-process-gone', pageGone);
    contents.removeListener('destroyed', windowGone);
    replace(null);
    await closing;
  };
}

export function pushAppEvent(window: BrowserWindow, event: AppEvent): void {
  if (!window.isDestroyed()) window.webContents.send(APP_EVENT_CHANNEL, event);
}
