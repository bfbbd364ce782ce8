// The Export… dialog, opened from the call view or from a selection in the call list: which
// outputs (pcapng capture, HTML report, either or both), redaction, Export / Cancel, then the
// result or the one-line error. Where the files go is not the page's business: the desktop
// app asks with its own save dialog (main process), `serve` answers with one-time downloads
// that the browser saves (ClientHandle.download).
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ExportOutcome, ExportOutput } from '../../../shared/api/contract.ts';
import type { ClientHandle } from '../../api/client.ts';
import { defaultOutputs, exportChoice, exportTitle, outcomeLines, type ExportCall } from '../../lib/export_choice.ts';
import { closeExport, useApp } from '../../state/app_store.ts';

type Phase = { step: 'choose' } | { step: 'running' } | { step: 'done'; outcome: ExportOutcome } | { step: 'failed'; message: string };

export function ExportDialogHost({ handle }: { handle: ClientHandle }) {
  const calls = useApp((s) => s.exportFor);
  if (calls === null) return null;
  // Keyed by the calls: a new Export… starts from a fresh form.
  return <ExportDialog key={calls.map((c) => c.id).join(',')} handle={handle} calls={calls} />;
}

function ExportDialog({ handle, calls }: { handle: ClientHandle; calls: ExportCall[] }) {
  const choice = exportChoice(calls);
  const [outputs, setOutputs] = useState<Record<ExportOutput, boolean>>(() => defaultOutputs(choice));
  const [redact, setRedact] = useState(false);
  const [phase, setPhase] = useState<Phase>({ step: 'choose' });
  const first = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const live = useRef(true);

  useEffect(() => {
    (first.current?.disabled ? box.current?.querySelector<HTMLInputElement>('input:not(:disabled)') : first.current)?.focus();
    return () => {
      live.current = false;
    };
  }, []);

  const asked = (Object.keys(outputs) as ExportOutput[]).filter((o) => outputs[o] && (o !== 'pcapng' || choice.pcapng));
  const running = phase.step === 'running';

  const run = async (): Promise<void> => {
    setPhase({ step: 'running' });
    const r = await handle.client.exportCalls({ ids: calls.map((c) => c.id), outputs: asked, redact });
    if (!live.current) return;
    if (!r.ok) return setPhase({ step: 'failed', message: r.error.message });
    for (const f of r.value.files) handle.download(f);
    setPhase({ step: 'done', outcome: r.value });
  };

  const onKeyDown = (e: KeyboardEvent): void => {
    if (e.key === 'Escape' && !running) {
      e.preventDefault();
      e.stopPropagation();
      closeExport();
    } else if (e.key === 'Tab' && box.current) {
      // Modal: Tab cycles inside the dialog instead of wandering into the list behind it.
      const all = [...box.current.querySelectorAll<HTMLElement>('input:not(:disabled), button:not(:disabled)')];
      if (all.length === 0) return;
      const at = all.indexOf(document.activeElement as HTMLElement);
      const next = e.shiftKey ? (at <= 0 ? all.length - 1 : at - 1) : at === all.length - 1 ? 0 : at + 1;
      e.preventDefault();
      all[next].focus();
    }
  };

  const toggle = (o: ExportOutput) => () => setOutputs((x) => ({ ...x, [o]: !x[o] }));

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !running && closeExport()}>
      <div ref={box} className="modal" role="dialog" aria-modal="true" aria-labelledby="export-title" data-testid="export-dialog" onKeyDown={onKeyDown}>
        <h2 id="export-title" className="modal-title">
          {exportTitle(calls)}
        </h2>
        {phase.step === 'done' ? (
          <div className="export-result" role="status" data-testid="export-result">
            {outcomeLines(phase.outcome).map((l) => (
              <p key={l} className="mono small">
                {l}
              </p>
            ))}
          </div>
        ) : (
          <fieldset className="export-options" disabled={running}>
            <legend className="muted small">Write</legend>
            <label className="export-option">
              <input ref={first} type="checkbox" checked={choice.pcapng && outputs.pcapng} disabled={!choice.pcapng} onChange={toggle('pcapng')} data-testid="export-pcapng" />
              <span>
                <strong>Capture (pcapng)</strong> <span className="muted">— the calls’ SIP, RTP and RTCP packets, original times, for Wireshark</span>
              </span>
            </label>
            {choice.pcapngNote && (
              <p className="export-note small" data-testid="export-pcapng-note">
                {choice.pcapngNote}
              </p>
            )}
            <label className="export-option">
              <input type="checkbox" checked={outputs.html} onChange={toggle('html')} data-testid="export-html" />
              <span>
                <strong>Report (HTML)</strong> <span className="muted">— one self-contained file for a ticket or an e-mail</span>
              </span>
            </label>
            <label className="export-option export-redact">
              <input type="checkbox" checked={redact} onChange={() => setRedact((x) => !x)} data-testid="export-redact" />
              <span>Redact numbers, names and addresses</span>
            </label>
          </fieldset>
        )}
        {phase.step === 'failed' && (
          <p className="export-error danger" role="alert" data-testid="export-error">
            {phase.message}
          </p>
        )}
        <div className="modal-actions">
          {phase.step === 'done' ? (
            <button type="button" className="btn btn-primary" onClick={closeExport} data-testid="export-close">
              Close
            </button>
          ) : (
            <>
              <button type="button" className="btn" onClick={closeExport} disabled={running} data-testid="export-cancel">
                Cancel
              </button>
              <button type="button" className="btn btn-primary" onClick={() => void run()} disabled={running || asked.length === 0} data-testid="export-run">
                {running ? 'Exporting…' : 'Export'}
              </button>
            </>
          )}
        </div>
      </div>
    </div>
  );
}
