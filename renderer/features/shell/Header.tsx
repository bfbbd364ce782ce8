import { useEffect, useRef } from 'react';
import { ACCEPT_ATTRIBUTE } from '../../lib/file_kinds.ts';
import { importFiles, setTheme, setView, toggleLibrary, useApp, type ThemeChoice, type ViewName } from '../../state/app_store.ts';

const VIEWS: Array<{ id: ViewName; label: string; key: string }> = [
  { id: 'calls', label: 'Calls', key: 'Alt+1' },
  { id: 'dashboard', label: 'Dashboard', key: 'Alt+2' },
  { id: 'settings', label: 'Settings', key: 'Alt+3' },
];

const NEXT_THEME: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' };
const THEME_LABEL: Record<ThemeChoice, string> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };
const THEME_ICON: Record<ThemeChoice, string> = { system: '◐', light: '☀', dark: '☾' };

// The one file input of the page (e2e tests drive it by its test id, so there must be exactly
// one); every "Open files…" button clicks it.
let fileInput: HTMLInputElement | null = null;

export function openFilePicker(): void {
  fileInput?.click();
}

function FileInput() {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    fileInput = input.current;
    return () => {
      if (fileInput === input.current) fileInput = null;
    };
  }, []);
  return (
    <input
      ref={input}
      className="visually-hidden"
      type="file"
      multiple
      accept={ACCEPT_ATTRIBUTE}
      data-testid="file-input"
      tabIndex={-1}
      aria-hidden="true"
      onChange={(e) => {
        const files = [...(e.currentTarget.files ?? [])];
        // Cleared so choosing the same file again fires 'change' again.
        e.currentTarget.value = '';
        void importFiles(files);
      }}
    />
  );
}

export function OpenFilesButton({ primary = false }: { primary?: boolean }) {
  return (
    <button type="button" className={primary ? 'btn btn-primary' : 'btn'} onClick={openFilePicker} title="Open captures, CDR exports or agent-event files (or drop them anywhere)">
      Open files…
    </button>
  );
}

export function Header() {
  const view = useApp((s) => s.view);
  const theme = useApp((s) => s.theme);
  const libraryOpen = useApp((s) => s.libraryOpen);
  const sources = useApp((s) => s.sources);
  return (
    <header className="header">
      <button type="button" className="btn-icon header-library" aria-pressed={libraryOpen} title={libraryOpen ? 'Hide the library' : 'Show the library'} onClick={toggleLibrary} data-testid="library-toggle">
        ☰
      </button>
      <div className="brand">
        calltrace<span className="brand-sub">{sources.length ? `${sources.length} source${sources.length > 1 ? 's' : ''}` : 'no captures yet'}</span>
      </div>
      <nav className="tabs" role="tablist" aria-label="Views">
        {VIEWS.map((v) => (
          <button
            key={v.id}
            type="button"
            role="tab"
            aria-selected={view === v.id}
            className={view === v.id ? 'tab tab-active' : 'tab'}
            data-testid={`view-${v.id}`}
            title={`${v.label} (${v.key})`}
            onClick={() => setView(v.id)}
          >
            {v.label}
          </button>
        ))}
      </nav>
      <div className="header-spacer" />
      <OpenFilesButton primary />
      <FileInput />
      <button type="button" className="btn-icon" title={`${THEME_LABEL[theme]} (click to change)`} aria-label={THEME_LABEL[theme]} onClick={() => setTheme(NEXT_THEME[theme])}>
        {THEME_ICON[theme]}
      </button>
    </header>
  );
}
