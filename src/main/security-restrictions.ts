import { app, shell, type WebContents } from 'electron';

/** Where the app's own page comes from: the built renderer file, or the dev server in development. */
export interface AppLocation {
  rendererFileUrl: string;
  devServerUrl?: string | undefined;
}

/**
 * True for URLs that belong to the app itself: exactly the built renderer page (never any other
 * local file, e.g. an HTML file in a hostile repository), or the dev server's origin.
 */
export function isAppUrl(url: string, app: AppLocation): boolean {
  if (url.startsWith('file://')) return url.split(/[?#]/)[0] === app.rendererFileUrl;
  const devServerUrl = app.devServerUrl;
  if (devServerUrl !== undefined && devServerUrl !== '') {
    try {
      return new URL(url).origin === new URL(devServerUrl).origin;
    } catch (error: unknown) {
      // A URL that does not parse (TypeError) is no page of the app's: refused.
      if (error instanceof TypeError) return false;
      throw error;
    }
  }
  return false;
}

/**
 * Applied to every web contents the app creates: no navigation away from the app, no new windows
 * (https links open in the system browser instead), no permission grants, no <webview>.
 */
export function applySecurityRestrictions(location: AppLocation): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, location)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url, location)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // No browser to open it with (openExternal rejects): the link does nothing, as a link in a
      // browser with no handler would; the page itself is never navigated either way.
      if (url.startsWith('https://')) void shell.openExternal(url).catch((_error: unknown) => undefined);
      return { action: 'deny' };
    });
    contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    contents.session.setPermissionCheckHandler(() => false);
  });
}
