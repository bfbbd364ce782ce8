// Pane 1: the SIP ladder. Scrolls vertically with sticky column headers, zooms (buttons and
// ctrl+wheel), virtualizes rows above FULL_RENDER_LIMIT messages, follows and drives the
// shared time cursor, and opens the raw-message panel on click.

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import type { CallDetail, CapturePoints } from '../../../shared/api/contract.ts';
import { useCallStore, useCallStoreApi } from './call_store.ts';
import { cssVarLookup, downloadBlob, svgToPngBlob } from './export_image.ts';
import { exportFileName, resolveCssVars, standaloneSvg } from './export_svg_text.ts';
import { layoutLadder, relativeTime, timeAtY, visibleArrows, yForTime, type LadderLayout } from '../../../shared/layout/ladder_layout.ts';
import { LadderSvg } from './LadderSvg.tsx';
import { RawMessagePanel } from './RawMessagePanel.tsx';
import { streamKey } from '../../../shared/layout/stream_key.ts';

/** Renders the whole ladder off screen and returns standalone SVG text with resolved colours. */
function exportSvgText(layout: LadderLayout, themeSource: Element): string {
  const host = document.createElement('div');
  const root = createRoot(host);
  try {
    // flushSync: the export needs the markup now, not after the next scheduler tick.
    flushSync(() => root.render(<LadderSvg layout={layout} part="all" zoom={1} start={0} end={layout.arrows.length} selectedIndex={null} highlight={null} />));
    const svg = host.querySelector('svg');
    if (!svg) throw new Error('nothing rendered');
    const text = new XMLSerializer().serializeToString(svg);
    const lookup = cssVarLookup(themeSource);
    return standaloneSvg(resolveCssVars(text, lookup), layout.width, layout.height, lookup('--bg-elev').trim() || '#ffffff');
  } finally {
    root.unmount();
  }
}

export function LadderPane({ detail }: { detail: CallDetail }) {
  const store = useCallStoreApi();
  const mergePorts = useCallStore((s) => s.mergePorts);
  const zoom = useCallStore((s) => s.zoom);
  const selectedIndex = useCallStore((s) => s.selectedIndex);
  const highlight = useCallStore((s) => s.highlight);
  const revealSeq = useCallStore((s) => s.revealSeq);
  const scrollRef = useRef<HTMLDivElement>(null);
  const bodyRef = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState({ top: 0, height: 800 });
  const [exportError, setExportError] = useState<string | null>(null);

  const layout = useMemo(
    () => layoutLadder(detail.messages, detail.streams, { mergePorts }, { caller: detail.row.callerAddr, callee: detail.row.calleeAddr }),
    [detail.messages, detail.streams, detail.row.callerAddr, detail.row.calleeAddr, mergePorts],
  );
  const { headerHeight } = layout.options;
  const range = visibleArrows(layout, viewport.top / zoom + headerHeight, viewport.height / zoom);

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (el) setViewport({ top: el.scrollTop, height: el.clientHeight });
  }, []);
  useLayoutEffect(onScroll, [onScroll]);

  // ctrl+wheel zooms. A native listener: React's wheel handlers are passive and cannot stop
  // the browser's own page zoom.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      const s = store.getState();
      s.setZoom(s.zoom * (e.deltaY < 0 ? 1.1 : 1 / 1.1));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [store]);

  // Reveal requests (evidence click, keyboard step): bring the arrow, or the cursor's moment, into view.
  useEffect(() => {
    if (revealSeq === 0) return;
    const el = scrollRef.current;
    if (!el) return;
    const s = store.getState();
    let y: number | null = null;
    if (s.highlight?.kind === 'arrow') {
      const idx = s.highlight.index;
      y = layout.arrows.find((a) => a.index === idx)?.y ?? null;
    } else if (s.cursorUs !== null) y = yForTime(layout, s.cursorUs);
    if (y === null) return;
    const top = (y - headerHeight) * zoom;
    const visible = top >= el.scrollTop + 20 && top <= el.scrollTop + el.clientHeight - headerHeight * zoom - 20;
    if (!visible) el.scrollTo({ top: Math.max(0, top - el.clientHeight / 2), behavior: 'smooth' });
    // layout and zoom are read but deliberately not deps: scroll only when a reveal is asked for.
  }, [revealSeq]);

  const onMouseMove = (e: React.MouseEvent) => {
    const body = bodyRef.current;
    if (!body) return;
    const y = headerHeight + (e.clientY - body.getBoundingClientRect().top) / zoom;
    store.getState().setCursor(timeAtY(layout, y));
  };

  const onArrowClick = useCallback((index: number) => {
    const s = store.getState();
    s.select(index);
    const m = detail.messages.find((x) => x.index === index);
    if (m) s.setCursor(m.tsUs);
  }, [store, detail.messages]);

  const onStreamClick = useCallback((key: string) => {
    const s = detail.streams.find((x) => streamKey(x) === key);
    store.getState().reveal({ kind: 'stream', streamKey: key, tsUs: s?.firstUs ?? null });
  }, [store, detail.streams]);

  const exportAs = async (kind: 'svg' | 'png') => {
    setExportError(null);
    try {
      const text = exportSvgText(layout, scrollRef.current ?? document.documentElement);
      if (kind === 'svg') downloadBlob(new Blob([text], { type: 'image/svg+xml' }), exportFileName(detail.row.callId, 'svg'));
      else downloadBlob(await svgToPngBlob(text, layout.width, layout.height), exportFileName(detail.row.callId, 'png'));
    } catch (err) {
      setExportError(`Export failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const selected = selectedIndex === null ? null : (detail.messages.find((m) => m.index === selectedIndex) ?? null);
  const retrans = detail.messages.reduce((n, m) => n + (m.retransmission ? 1 : 0), 0);

  return (
    <section className="cv-pane cv-ladder-pane" data-testid="ladder" aria-label="SIP ladder">
      <div className="cv-toolbar">
        <h3>SIP ladder</h3>
        <span className="cv-muted">
          {detail.messages.length} messages{retrans > 0 ? ` · ${retrans} retransmitted (dashed)` : ''} · {detail.streams.length} RTP streams
        </span>
        <span className="cv-spacer" />
        <label className="cv-check" title="One column per host: SIP and RTP ports of one machine side by side">
          <input type="checkbox" checked={mergePorts} onChange={(e) => store.getState().setMergePorts(e.target.checked)} /> merge ports of one host
        </label>
        <div className="cv-btn-group" role="group" aria-label="Zoom">
          <button type="button" onClick={() => store.getState().setZoom(zoom / 1.25)} title="Zoom out (ctrl+wheel)" aria-label="Zoom out">
            −
          </button>
          <button type="button" onClick={() => store.getState().setZoom(1)} title="Reset zoom">
            {Math.round(zoom * 100)} %
          </button>
          <button type="button" onClick={() => store.getState().setZoom(zoom * 1.25)} title="Zoom in (ctrl+wheel)" aria-label="Zoom in">
            +
          </button>
        </div>
        <button type="button" data-testid="export-svg" onClick={() => void exportAs('svg')} disabled={layout.arrows.length === 0 && layout.streams.length === 0}>
          Export SVG
        </button>
        <button type="button" data-testid="export-png" onClick={() => void exportAs('png')} disabled={layout.arrows.length === 0 && layout.streams.length === 0}>
          Export PNG
        </button>
      </div>
      {detail.capturePoints && <CapturePointsNote points={detail.capturePoints} />}
      {exportError && (
        <p className="cv-error" role="alert">
          {exportError}
        </p>
      )}
      <div className="cv-ladder-body">
        <div className="cv-ladder-scroll" ref={scrollRef} onScroll={onScroll} onMouseMove={onMouseMove} onMouseLeave={() => store.getState().setCursor(null)}>
          <div className="cv-ladder-sticky">
            <LadderSvg layout={layout} part="header" zoom={zoom} start={0} end={0} selectedIndex={null} highlight={null} />
          </div>
          <div className="cv-ladder-canvas" ref={bodyRef}>
            <LadderSvg layout={layout} part="body" zoom={zoom} start={range.start} end={range.end} selectedIndex={selectedIndex} highlight={highlight} onArrowClick={onArrowClick} onStreamClick={onStreamClick} />
            <LadderCursor layout={layout} zoom={zoom} />
          </div>
        </div>
        {selected && <RawMessagePanel message={selected} originUs={layout.originUs} onClose={() => store.getState().select(null)} />}
      </div>
    </section>
  );
}

/** The shared cursor as a horizontal line over the ladder body (an overlay: the SVG is not redrawn). */
function LadderCursor({ layout, zoom }: { layout: LadderLayout; zoom: number }) {
  const cursorUs = useCallStore((s) => s.cursorUs);
  if (cursorUs === null || layout.anchors.length === 0) return null;
  const y = (yForTime(layout, cursorUs) - layout.options.headerHeight) * zoom;
  return (
    <div className="cv-ladder-cursor" style={{ top: y }} aria-hidden="true">
      <span>{relativeTime(cursorUs, layout.originUs)} s</span>
    </div>
  );
}

/**
 * A call merged from several captures: which clock the ladder is on and how far each other
 * capture's clock was moved (the median over the messages both saw, with its spread).
 */
function CapturePointsNote({ points }: { points: CapturePoints }) {
  const ms = (us: number): string => `${us >= 0 ? '+' : '−'}${(Math.abs(us) / 1000).toFixed(1)} ms`;
  const unaligned = points.unaligned.map((u) => u.source).join(', ');
  if (points.points.length < 2) {
    return (
      <p className="cv-muted cv-small" data-testid="capture-points">
        Also captured in {unaligned}, but no SIP message is the same in both (a hop between them rewrites the messages): their clocks cannot be matched, so each capture's call is shown on its own.
      </p>
    );
  }
  return (
    <p className="cv-muted cv-small" data-testid="capture-points">
      Merged from {points.points.length} captures on the clock of <strong>{points.reference}</strong>
      {points.points.slice(1).map((p) => (
        <span key={p.source} data-testid="capture-point" data-source={p.source}>
          {` · ${p.source} ${ms(p.offsetUs)}`}
          {p.spreadUs !== null && ` ± ${(p.spreadUs / 1000).toFixed(1)} ms`}
          {` (${p.matchedMessages} message${p.matchedMessages === 1 ? '' : 's'} seen at both)`}
        </span>
      ))}
      {unaligned !== '' && ` · not merged (no message in common): ${unaligned}`}
      {' · a message one capture alone saw is tagged @ with it.'}
    </p>
  );
}
