// The shell: header, library, import progress, the current view, and the window-wide drop
// zone. Global shortcuts live here; the call list handles its own keys when it has the focus.
import { useEffect, useRef, useState, type DragEvent } from 'react';
import type { ClientHandle } from '../../api/client.ts';
import { dismissNotice, focusSearch, importFiles, setView, useApp } from '../../state/app_store.ts';
import { CallsView } from '../calls/CallsView.tsx';
import { DashboardView } from '../dashboard/DashboardView.tsx';
import { ExportDialogHost } from '../export/ExportDialog.tsx';
import { ImportProgressPanel } from '../library/ImportProgressPanel.tsx';
import { LibraryPanel } from '../library/LibraryPanel.tsx';
import { SettingsView } from '../settings/SettingsView.tsx';
import { Header } from './Header.tsx';

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

function useTheme(): void {
  const theme = useApp((s) => s.theme);
  useEffect(() => {
    // 'system' leaves the attribute off so prefers-color-scheme decides (theme.css).
    if (theme === 'system') document.documentElement.removeAttribute('data-theme');
    else document.documentElement.setAttribute('data-theme', theme);
  }, [theme]);
}

function useGlobalKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      // The Export… dialog is modal: the shortcuts wait until it is closed.
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || useApp.getState().exportFor !== null) return;
      if (e.key === '/' && !isTyping(e.target)) {
        e.preventDefault();
        focusSearch();
      } else if (e.altKey && (e.key === '1' || e.key === '2' || e.key === '3')) {
        e.preventDefault();
        setView(e.key === '1' ? 'calls' : e.key === '2' ? 'dashboard' : 'settings');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

function hasFiles(e: DragEvent): boolean {
  return [...e.dataTransfer.types].includes('Files');
}

export function App({ handle }: { handle: ClientHandle }) {
  useTheme();
  useGlobalKeys();
  const view = useApp((s) => s.view);
  const notices = useApp((s) => s.notices);
  const connection = useApp((s) => s.connection);
  const [dragging, setDragging] = useState(false);
  // dragenter/dragleave fire for every child crossed: count them to know when the pointer left.
  const depth = useRef(0);

  const onDragEnter = (e: DragEvent): void => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth.current++;
    setDragging(true);
  };
  const onDragLeave = (e: DragEvent): void => {
    if (!hasFiles(e)) return;
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setDragging(false);
  };
  const onDragOver = (e: DragEvent): void => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  };
  const onDrop = (e: DragEvent): void => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth.current = 0;
    setDragging(false);
    // A dropped directory arrives as a File too; only its entry says it is a folder.
    const folders = new Set<File>();
    for (const item of [...e.dataTransfer.items]) {
      const f = item.kind === 'file' && item.webkitGetAsEntry?.()?.isDirectory ? item.getAsFile() : null;
      if (f) folders.add(f);
    }
    void importFiles([...e.dataTransfer.files], folders);
  };

  return (
    <div className="app" data-testid="drop-zone" onDragEnter={onDragEnter} onDragLeave={onDragLeave} onDragOver={onDragOver} onDrop={onDrop}>
      <Header />
      {connection === 'reconnecting' && handle.kind === 'http' && (
        <div className="banner banner-warn" role="status">
          Live updates are reconnecting to the calltrace back end… Lists refresh when it is back.
        </div>
      )}
      <ImportProgressPanel />
      <div className="app-body">
        <LibraryPanel handle={handle} />
        <main className="app-main" aria-label={view}>
          {view === 'calls' && <CallsView handle={handle} />}
          {view === 'dashboard' && <DashboardView />}
          {view === 'settings' && <SettingsView />}
        </main>
      </div>
      <div className="notices" aria-live="polite">
        {notices.map((n) => (
          <div key={n.id} className={`notice notice-${n.tone}`} role={n.tone === 'error' ? 'alert' : 'status'}>
            <span>{n.text}</span>
            <button type="button" className="btn-icon" aria-label="Dismiss" onClick={() => dismissNotice(n.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
      <ExportDialogHost handle={handle} />
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-overlay-box">
            Drop to import
            <small>pcap, pcapng, gz, CDR CSV or events JSON — several at once</small>
          </div>
        </div>
      )}
    </div>
  );
}
