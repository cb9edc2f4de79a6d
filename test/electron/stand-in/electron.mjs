// A stand-in for the `electron` module, for running the *built* main process under plain Node
// (the Electron binary cannot be downloaded on these machines). It implements the slice of the
// API the app uses and records everything the app does with it in `globalThis.electronStandIn`,
// which the test driver reads and drives. Nothing here decides anything about bottles.
import { EventEmitter } from 'node:events';

const record = {
  windows: [],
  handlers: new Map(),
  removedHandlers: [],
  notifications: [],
  dialogCalls: [],
  dialogResult: { canceled: true, filePaths: [] },
  openedExternal: [],
  quitCalls: 0,
  exitCode: null,
  singleInstanceLock: true,
  webContentsCreated: [],
};
globalThis.electronStandIn = record;

class StandInApp extends EventEmitter {
  isPackaged = false;
  #ready = null;
  constructor() {
    super();
    this.#ready = new Promise((resolve) => setImmediate(resolve));
  }
  requestSingleInstanceLock() {
    return record.singleInstanceLock;
  }
  whenReady() {
    return this.#ready;
  }
  quit() {
    record.quitCalls += 1;
    // Electron emits before-quit, closes windows, then will-quit; the app listens for will-quit.
    // Either event's preventDefault stops the quit, as in Electron.
    setImmediate(() => {
      let prevented = false;
      const event = { preventDefault: () => (prevented = true) };
      this.emit('before-quit', event);
      if (prevented) return;
      this.emit('will-quit', event);
      if (!prevented) this.emit('quit');
    });
  }
  exit(code = 0) {
    record.exitCode = code;
    // Electron's exit skips before-quit and will-quit, but still ends with quit.
    setImmediate(() => this.emit('quit'));
  }
  setBadgeCount(count) {
    record.badgeCount = count;
    return true;
  }
}
export const app = new StandInApp();

class StandInSession {
  permissionRequestHandler = null;
  permissionCheckHandler = null;
  setPermissionRequestHandler(handler) {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler) {
    this.permissionCheckHandler = handler;
  }
}

let nextId = 1;
class StandInWebContents extends EventEmitter {
  id = nextId++;
  sent = [];
  session = new StandInSession();
  windowOpenHandler = null;
  send(channel, ...args) {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(handler) {
    this.windowOpenHandler = handler;
  }
}

export class BrowserWindow extends EventEmitter {
  webContents = new StandInWebContents();
  destroyed = false;
  minimized = false;
  focusCalls = 0;
  showCalls = 0;
  restoreCalls = 0;
  loaded = null;
  constructor(options) {
    super();
    this.options = options;
    record.windows.push(this);
    // Electron announces every new web contents to the app before anything loads in it.
    setImmediate(() => {
      record.webContentsCreated.push(this.webContents.id);
      app.emit('web-contents-created', {}, this.webContents);
      this.emit('ready-to-show');
    });
  }
  loadFile(path) {
    this.loaded = { kind: 'file', path };
    return Promise.resolve();
  }
  loadURL(url) {
    this.loaded = { kind: 'url', url };
    return Promise.resolve();
  }
  isDestroyed() {
    return this.destroyed;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.restoreCalls += 1;
    this.minimized = false;
  }
  focus() {
    this.focusCalls += 1;
  }
  show() {
    this.showCalls += 1;
  }
  setTitle(title) {
    this.title = title;
  }
  close() {
    this.destroyed = true;
    this.emit('closed');
  }
}

export const ipcMain = {
  handle(channel, listener) {
    if (record.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    record.handlers.set(channel, listener);
  },
  removeHandler(channel) {
    record.handlers.delete(channel);
    record.removedHandlers.push(channel);
  },
  on() {},
};

export const dialog = {
  async showOpenDialog(window, options) {
    record.dialogCalls.push({ window: record.windows.indexOf(window), options });
    return record.dialogResult;
  },
};

export class Notification extends EventEmitter {
  static isSupported() {
    return true;
  }
  constructor(options) {
    super();
    this.options = options;
  }
  show() {
    record.notifications.push(this);
  }
}

export const shell = {
  async openExternal(url) {
    record.openedExternal.push(url);
  },
};

export const safeStorage = {
  isEncryptionAvailable() {
    return false;
  },
};

// What a sandboxed preload gets: the same module, with its renderer-side half.
export const contextBridge = {
  exposeInMainWorld(key, api) {
    (record.exposed ??= []).push({ key, api });
  },
};
export const ipcRenderer = new EventEmitter();
ipcRenderer.invoke = async (channel, ...args) => {
  (record.rendererInvokes ??= []).push({ channel, args });
  return record.rendererInvokeResult ?? { ok: true, data: null };
};
export const webUtils = {
  getPathForFile(file) {
    return file?.path ?? '';
  },
};

export default { app, BrowserWindow, ipcMain, dialog, Notification, shell, safeStorage, contextBridge, ipcRenderer, webUtils };
