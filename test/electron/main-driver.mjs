// Runs the built Electron main process (out/main/index.js) under plain Node with the `electron`
// stand-in (see stand-in/), and lets the parent test drive it over the fork IPC channel: invoke
// contract channels as a given sender frame would, read what the app did with Electron's API,
// fire app events. Started as: node --import ./stand-in/register.mjs main-driver.mjs <main.js>
import { pathToFileURL } from 'node:url';
import electron from 'electron';

const record = globalThis.electronStandIn;
if (record === undefined) throw new Error('the electron stand-in is not loaded: run with --import stand-in/register.mjs');
const mainPath = process.argv[2];
await import(pathToFileURL(mainPath).href);

const window = () => record.windows[0];
const appUrl = () => pathToFileURL(window().loaded.path).href;

/** The event ipcMain passes a handler, as Electron builds it for the given kind of sender. */
function invokeEvent(sender) {
  const win = window();
  switch (sender) {
    case 'app':
      return { sender: win.webContents, senderFrame: { url: appUrl(), parent: null } };
    case 'foreign-url':
      return { sender: win.webContents, senderFrame: { url: 'file:///tmp/hostile-repo/index.html', parent: null } };
    case 'subframe':
      return { sender: win.webContents, senderFrame: { url: appUrl(), parent: { url: appUrl() } } };
    case 'other-contents':
      return { sender: { id: -1 }, senderFrame: { url: appUrl(), parent: null } };
    case 'no-frame':
      return { sender: win.webContents, senderFrame: null };
    default:
      throw new Error(`unknown sender ${sender}`);
  }
}

function summary() {
  const win = window();
  return {
    windows: record.windows.length,
    windowOptions: win?.options ?? null,
    loaded: win?.loaded ?? null,
    channels: [...record.handlers.keys()].sort(),
    removedHandlers: record.removedHandlers,
    webContentsCreated: record.webContentsCreated.length,
    notifications: record.notifications.map((n) => ({ title: n.options.title, body: n.options.body })),
    dialogCalls: record.dialogCalls.length,
    quitCalls: record.quitCalls,
    exitCode: record.exitCode,
    focusCalls: win?.focusCalls ?? 0,
    showCalls: win?.showCalls ?? 0,
    restoreCalls: win?.restoreCalls ?? 0,
    openedExternal: record.openedExternal,
    badgeCount: record.badgeCount ?? null,
    title: win?.title ?? null,
  };
}

const ops = {
  state: () => summary(),
  async invoke({ channel, args, sender = 'app' }) {
    const handler = record.handlers.get(channel);
    if (handler === undefined) return { unbound: channel };
    return handler(invokeEvent(sender), ...args);
  },
  events: ({ from = 0 }) =>
    window()
      .webContents.sent.slice(from)
      .map((message) => ({ channel: message.channel, event: message.args[0] })),
  setDialog: ({ result }) => {
    record.dialogResult = result;
    return null;
  },
  appEvent: ({ name, args = [] }) => electron.app.emit(name, {}, ...args),
  minimize: () => {
    window().minimized = true;
    return null;
  },
  clickNotification: ({ index }) => record.notifications[index].emit('click'),
  navigate: ({ url, event = 'will-navigate' }) => {
    let prevented = false;
    window().webContents.emit(event, { preventDefault: () => (prevented = true) }, url);
    return prevented;
  },
  windowOpen: ({ url }) => window().webContents.windowOpenHandler({ url }),
  permission: ({ permission }) =>
    new Promise((resolve) => {
      const { session } = window().webContents;
      session.permissionRequestHandler(window().webContents, permission, (granted) =>
        resolve({ granted, check: session.permissionCheckHandler(window().webContents, permission) }),
      );
    }),
  attachWebview: () => {
    let prevented = false;
    window().webContents.emit('will-attach-webview', { preventDefault: () => (prevented = true) });
    return prevented;
  },
  quit: async () => {
    const quit = new Promise((resolve) => electron.app.once('quit', resolve));
    // The operator closes the window: Electron then emits window-all-closed.
    window().close();
    electron.app.emit('window-all-closed');
    await quit;
    // Nothing of ours may keep the process alive once the app quit: the parent waits for our exit.
    setTimeout(() => process.disconnect(), 50);
    return summary();
  },
};

process.on('message', async (message) => {
  const { id, op, ...args } = message;
  try {
    const result = await ops[op](args);
    process.send({ id, ok: true, result: result === undefined ? null : result });
  } catch (error) {
    process.send({ id, ok: false, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) });
  }
});

// Ready once the window exists and the contract is bound.
const started = Date.now();
while (record.handlers.size === 0 || window()?.loaded == null) {
  if (Date.now() - started > 20_000) throw new Error('the main process bound no IPC handler within 20 s');
  await new Promise((resolve) => setTimeout(resolve, 20));
}
process.send({ ready: true });
