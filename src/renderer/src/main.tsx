import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startAppBridge } from './api/app-bridge';
import { installBrowserClient } from './api/browser-client';
import { App } from './app';
import './styles/index.css';

// In Electron the preload already put the API on window; in `claude-bottle serve` we bring our own.
const browserClient = installBrowserClient();
startAppBridge(browserClient);

const root = document.getElementById('root');
if (root === null) throw new Error('missing #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
