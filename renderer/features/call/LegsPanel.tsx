// The end-to-end call above the panes of a call that crossed a B2BUA: the legend (one colour
// per leg, its Call-ID, numbers and own verdict), the end-to-end verdict (the leg that failed
// first), and how the legs were linked. A heuristic link is a guess and says so; the user can
// undo it ("Unlink"), and link again an undone one. The undo is kept by the back end by the
// pair's Call-IDs, so it holds after a re-import.

import { useState } from 'react';
import type { CallLegs, LegLinkInfo } from '../../../shared/api/contract.ts';
import { BucketChip } from '../../ui/BucketChip.tsx';
import { legColor } from './leg_merge.ts';

const METHOD_LABEL: Record<LegLinkInfo['method'], string> = {
  session_id: 'Session-ID',
  call_id_header: 'X-Call-ID header',
  icid: 'P-Charging-Vector icid',
  referred_by: 'transfer (REFER / Referred-By)',
  diversion: 'Diversion / History-Info',
  heuristic: 'heuristic (a guess)',
};

export interface LegsPanelProps {
  legs: CallLegs;
  /** The opened call (its row id), marked in the legend. */
  openedId: number;
  /** Undo (true) or redo (false) a link; resolves to an error message or null. */
  onSetUndone(link: LegLinkInfo, undone: boolean): Promise<string | null>;
}

export function LegsPanel({ legs, openedId, onSetUndone }: LegsPanelProps) {
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const e2e = legs.endToEnd;
  const posOf = new Map(legs.legs.map((l, i) => [l.callId, i]));
  const act = async (l: LegLinkInfo, undone: boolean): Promise<void> => {
    setBusy(l.id);
    setError(null);
    const err = await onSetUndone(l, undone);
    setBusy(null);
    if (err) setError(err);
  };
  const linkLine = (l: LegLinkInfo, undone: boolean) => (
    <li key={l.id} className={`cv-leg-link${l.method === 'heuristic' ? ' cv-leg-link-guess' : ''}${undone ? ' cv-leg-link-undone' : ''}`} data-testid="leg-link" data-method={l.method} data-undone={undone ? 'true' : 'false'}>
      <span className="cv-mono">{l.fromCallId}</span> → <span className="cv-mono">{l.toCallId}</span>{' '}
      <span className={`cv-tag ${l.method === 'heuristic' ? 'cv-tag-warn' : 'cv-tag-ok'}`} title={l.why}>
        {METHOD_LABEL[l.method]} · {Math.round(l.confidence * 100)} %
      </span>
      <span className="cv-muted cv-small"> {l.why}</span>
      {l.method === 'heuristic' &&
        (undone ? (
          <button type="button" className="btn btn-small" disabled={busy !== null} onClick={() => void act(l, false)} data-testid="relink-button" title="These two dialogs are one call after all: link them again">
            Link again
          </button>
        ) : (
          <button type="button" className="btn btn-small" disabled={busy !== null} onClick={() => void act(l, true)} data-testid="unlink-button" title="This guess is wrong: show the two dialogs as separate calls (kept after a re-import)">
            Unlink
          </button>
        ))}
    </li>
  );
  return (
    <section className="cv-pane cv-legs" data-testid="legs-panel" aria-label="Legs of the end-to-end call">
      {legs.legs.length > 1 && (
        <>
          <div className="cv-legs-head">
            <h3>End-to-end call · {legs.legs.length} legs</h3>
            {e2e && (
              <span className="cv-legs-verdict" data-testid="e2e-verdict" data-cause={e2e.cause} data-from-leg={e2e.fromLeg}>
                <BucketChip bucket={e2e.bucket} /> <code>{e2e.cause}</code>
                <span className="cv-muted">
                  {' '}
                  from leg {(posOf.get(e2e.fromLeg) ?? 0) + 1} · confidence {Math.round(e2e.confidence * 100)} %
                </span>
              </span>
            )}
          </div>
          {e2e && <p className="cv-small cv-legs-fix">{e2e.fix.title}</p>}
          <ol className="cv-leg-legend" aria-label="Legend: one colour per leg">
            {legs.legs.map((l, i) => (
              <li key={l.id} data-testid="leg-legend-item" data-call-id={l.callId} data-leg={i} data-messages={l.sipMessages} className={l.id === openedId ? 'cv-leg-opened' : undefined}>
                <span className="cv-leg-swatch" style={{ background: legColor(i) }} aria-hidden="true" />
                <strong>leg {i + 1}</strong> <span className="cv-mono">{l.callId}</span>{' '}
                <span className="cv-muted">
                  {l.from || '?'} → {l.to || '?'}
                </span>{' '}
                <BucketChip bucket={l.bucket} /> <code data-testid="leg-cause">{l.cause ?? '–'}</code>
                {l.id === openedId && <span className="cv-muted"> (this call)</span>}
              </li>
            ))}
          </ol>
        </>
      )}
      {(legs.links.length > 0 || legs.undone.length > 0) && (
        <>
          <div className="cv-subhead">{legs.links.length > 0 ? 'Linked by' : 'Links undone'}</div>
          <ul className="cv-leg-links">
            {legs.links.map((l) => linkLine(l, false))}
            {legs.undone.map((l) => linkLine(l, true))}
          </ul>
        </>
      )}
      {error && (
        <p className="cv-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
