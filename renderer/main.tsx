// Entry point: pick the transport (Electron IPC or the loopback bridge), start the store, draw.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './api/client.ts';
import { App } from './features/shell/App.tsx';
import { buildQuery } from './lib/call_filter.ts';
import { CALL_PAGE_SIZE, prefetchFirstPage } from './lib/first_page.ts';
import { initApp, useApp } from './state/app_store.ts';
import './styles/theme.css';
import './styles/app.css';

const handle = connect();
initApp(handle);
// The list's first page, asked for now rather than once React has drawn the window.
const start = useApp.getState();
if (start.view === 'calls') prefetchFirstPage(handle.client, buildQuery(start.filter, start.sort, 0, CALL_PAGE_SIZE));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App handle={handle} />
  </StrictMode>,
);
