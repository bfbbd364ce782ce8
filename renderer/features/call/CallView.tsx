// One call, three panes sharing one time cursor: the SIP ladder, the RTP gap timeline and the
// verdict. Loads the call (and the decision tree) through the typed client; owns the store
// the panes share and the keyboard (←/→ or j/k step through messages, Esc closes the raw panel).

import { useCallback, useEffect, useMemo, useState, type JSX } from 'react';
import type { CallDetail, CallLegs, CalltraceClient, LegLinkInfo } from '../../../shared/api/contract.ts';
import { formatDurationMs, formatTimeUs } from '../../lib/format.ts';
import { openExport } from '../../state/app_store.ts';
import { CallStoreContext, createCallViewStore } from './call_store.ts';
import { nothingToDraw } from './empty_states.ts';
import { LadderPane } from './LadderPane.tsx';
import { mergeLegs } from './leg_merge.ts';
import { LegsPanel } from './LegsPanel.tsx';
import { TimelinePane } from './TimelinePane.tsx';
import { VerdictPanel, type TreeState } from './VerdictPanel.tsx';
import './call_view.css';
import { minOf } from '../../../shared/util/array_math.ts';

type CallState =
  | { status: 'loading' }
  | { status: 'error'; code: string; message: string }
  /** detail: the opened call; shown: with every leg's messages and streams when it has legs. */
  | { status: 'ready'; detail: CallDetail; shown: CallDetail; legs: CallLegs | null };

/**
 * The call, its end-to-end call and the other legs' details. A failure to read the legs is
 * not a failure of the call: it is shown alone.
 */
async function loadCall(client: CalltraceClient, id: number): Promise<CallState> {
  const [r, lr] = await Promise.all([client.getCall({ id }), client.getCallLegs({ id })]);
  if (!r.ok) return { status: 'error', code: r.error.code, message: r.error.message };
  const legs = lr.ok ? lr.value : null;
  if (!legs || legs.legs.length < 2) return { status: 'ready', detail: r.value, shown: r.value, legs };
  const others = await Promise.all(legs.legs.map((l) => (l.id === id ? Promise.resolve(null) : client.getCall({ id: l.id }))));
  const details: CallDetail[] = [];
  legs.legs.forEach((l, i) => {
    const o = others[i];
    if (l.id === id) details.push(r.value);
    else if (o?.ok) details.push(o.value);
  });
  return { status: 'ready', detail: r.value, shown: mergeLegs(id, details).detail, legs };
}

/** The decision tree is the same for every call: fetch it once per client. */
const treeCache = new WeakMap<CalltraceClient, Promise<TreeState>>();

function loadTree(client: CalltraceClient): Promise<TreeState> {
  let p = treeCache.get(client);
  if (!p) {
    p = client.getDecisionTree().then(
      (r): TreeState => (r.ok ? { status: 'ready', rules: r.value } : { status: 'error', message: r.error.message }),
      (err: unknown): TreeState => ({ status: 'error', message: err instanceof Error ? err.message : String(err) }),
    );
    // A failure is not cached: the next call view tries again.
    void p.then((t) => {
      if (t.status === 'error') treeCache.delete(client);
    });
    treeCache.set(client, p);
  }
  return p;
}

function isEditable(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  return t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT';
}

export function CallView(props: { client: CalltraceClient; callId: number }): JSX.Element {
  const { client, callId } = props;
  const [state, setState] = useState<CallState>({ status: 'loading' });
  const [tree, setTree] = useState<TreeState>({ status: 'loading' });
  // A fresh store per call: cursor, selection and zoom do not leak from the previous call.
  // callId is the dependency on purpose, though the factory does not read it.
  const store = useMemo(() => createCallViewStore(), [callId]);

  // Bumped after an unlink or a link again: the legs (and so the ladder) change.
  const [legsVersion, setLegsVersion] = useState(0);

  useEffect(() => {
    let live = true;
    // A reload after an unlink keeps the call on screen until the new one is in.
    if (legsVersion === 0) setState({ status: 'loading' });
    loadCall(client, callId).then(
      (next) => {
        if (!live) return;
        // Several legs: one column per host across them (the B2BUA is one machine on both legs).
        if (next.status === 'ready' && next.legs && next.legs.legs.length > 1 && legsVersion === 0) store.getState().setMergePorts(true);
        setState(next);
      },
      (err: unknown) => {
        if (live) setState({ status: 'error', code: 'transport', message: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [client, callId, legsVersion, store]);

  const setUndone = useCallback(
    async (link: LegLinkInfo, undone: boolean): Promise<string | null> => {
      const r = await client.setLegLinkUndone({ linkId: link.id, undone });
      if (!r.ok) return r.error.message;
      setLegsVersion((v) => v + 1);
      return null;
    },
    [client],
  );

  useEffect(() => {
    let live = true;
    void loadTree(client).then((t) => {
      if (live) setTree(t);
    });
    return () => {
      live = false;
    };
  }, [client]);

  // The ladder and the timeline show every leg; keyboard stepping walks the messages shown.
  const detail = state.status === 'ready' ? state.shown : null;

  // Keyboard on the window, not on a focused element: stepping should work right after a click
  // on the ladder or the list. Typing in a field is left alone.
  useEffect(() => {
    if (!detail || detail.messages.length === 0) return;
    const indexes = detail.messages.map((m) => m.index);
    const timeOf = (index: number): number => detail.messages.find((m) => m.index === index)?.tsUs ?? detail.messages[0].tsUs;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || isEditable(e.target)) return;
      const s = store.getState();
      if (e.key === 'ArrowRight' || e.key === 'j') s.step(1, indexes, timeOf);
      else if (e.key === 'ArrowLeft' || e.key === 'k') s.step(-1, indexes, timeOf);
      else if (e.key === 'Escape' && s.selectedIndex !== null) {
        s.select(null);
        // Esc closes the innermost thing first: the raw panel, not the call the list has open.
        e.stopPropagation();
      } else return;
      e.preventDefault();
    };
    // Capture phase: runs before the focused list's own handlers (which also use Esc).
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [detail, store]);

  if (state.status === 'loading') {
    return (
      <div className="cv-root cv-state" data-testid="call-view" aria-busy="true">
        <p>Loading call #{callId}…</p>
      </div>
    );
  }
  if (state.status === 'error') {
    return (
      <div className="cv-root cv-state" data-testid="call-view" role="alert">
        <p className="cv-error">
          Could not load call #{callId}: {state.message}
          {state.code === 'not_found' ? ' It may have been removed with its source; go back to the list and pick another call.' : ''}
        </p>
      </div>
    );
  }

  const own = state.detail;
  const d = state.shown;
  const cdrOnly = d.messages.length === 0 && d.streams.length === 0;
  const originUs = d.messages[0]?.tsUs ?? (d.streams.length > 0 ? minOf(d.streams, (s) => s.firstUs, NaN) : null);

  return (
    <CallStoreContext.Provider value={store}>
      <div className="cv-root" data-testid="call-view">
        <CallHeader d={own} />
        {state.legs && (state.legs.legs.length > 1 || state.legs.undone.length > 0) && <LegsPanel legs={state.legs} openedId={callId} onSetUndone={setUndone} />}
        <div className="cv-grid">
          <div className="cv-main">
            {cdrOnly ? (
              <section className="cv-pane cv-nothing" data-testid="ladder">
                <p className="cv-empty">{nothingToDraw(d)}</p>
              </section>
            ) : (
              <>
                <LadderPane detail={d} />
                <TimelinePane detail={d} />
              </>
            )}
          </div>
          <VerdictPanel detail={own} tree={tree} originUs={originUs} />
        </div>
      </div>
    </CallStoreContext.Provider>
  );
}

function CallHeader({ d }: { d: CallDetail }) {
  const r = d.row;
  const outcome = r.finalStatus !== null ? `${r.finalStatus}` : 'no final response';
  const end = r.endMethod === 'none' ? 'no end seen' : `${r.endMethod === 'final_error' ? 'final error' : r.endMethod}${r.endedBy ? ` by ${r.endedBy}` : ''}`;
  return (
    <header className="cv-header">
      <div className="cv-title">
        <span className="cv-num">{r.from || '?'}</span> → <span className="cv-num">{r.to || '?'}</span>
        <span className="cv-callid cv-mono" title="Call-ID">
          {r.callId}
        </span>
        <button
          type="button"
          className="btn btn-small cv-export"
          title={r.origin === 'capture' ? 'Save this call’s packets (pcapng) and/or its report (HTML)' : 'Save this call’s report (HTML); a call known only from a CDR row has no packets'}
          onClick={() => openExport([{ id: r.id, sourceId: r.sourceId, callId: r.callId, origin: r.origin }])}
          data-testid="call-export"
        >
          Export…
        </button>
      </div>
      <div className="cv-facts cv-muted">
        <span>{formatTimeUs(r.startUs)} UTC</span>
        <span>{d.sourceName}</span>
        <span>{r.answered ? `answered, ${formatDurationMs(r.durationMs)}` : 'not answered'}</span>
        <span>final {outcome}</span>
        <span>{end}</span>
        {r.q850Cause !== null && <span>Q.850 {r.q850Cause}</span>}
        {r.pddMs !== null && <span>PDD {formatDurationMs(r.pddMs)}</span>}
        <span>
          {r.callerAddr || '–'} → {r.calleeAddr || '–'}
        </span>
      </div>
    </header>
  );
}
