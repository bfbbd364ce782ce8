// Entry point: pick the transport (Electron IPC or the loopback bridge), start the store, draw.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './api/client.ts';
import { App } from './features/shell/App.tsx';
import { initApp } from './state/app_store.ts';
import './styles/theme.css';
import './styles/app.css';

const handle = connect();
initApp(handle);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App handle={handle} />
  </StrictMode>,
);
