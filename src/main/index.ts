import { app } from 'electron';
import { runDesktopApp } from './desktop-app';

runDesktopApp().catch((error: unknown) => {
  console.error('claude-bottle: failed to start:', error instanceof Error ? error.message : String(error));
  app.exit(1);
});
