// The call list, windowed by hand: one fixed row height, only the rows in view (plus
// overscan) are in the DOM, and rows come from queryCalls one page at a time through a small
// LRU cache. Cost per frame depends on the window's height, not on the number of calls, so
// 100 000 calls scroll like 100.
import { CALL_PAGE_SIZE, takeFirstPage } from '../../lib/first_page.ts';
import { useCallback, useEffect, useLayoutEffect, useReducer, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { MAX_LEG_GROUP_IDS, type CallLegs, type CallRow, type CallSortKey } from '../../../shared/api/contract.ts';
import type { ClientHandle } from '../../api/client.ts';
import { buildQuery, filterKey, isFilterEmpty, normalizeFilter } from '../../lib/call_filter.ts';
import { formatCount, formatDurationMs, formatMos, formatMs, formatPct, formatTimeUs, lossTone, mosTone } from '../../lib/format.ts';
import { PageCache, type PageNeighbour } from '../../lib/page_cache.ts';
import { countExactly } from '../../lib/exact_count.ts';
import { screenPos, screenRow, screenTotal, sortExpanded, type ExpandedRow, type ScreenRow } from '../../lib/leg_rows.ts';
import { legColor } from '../call/leg_merge.ts';
import { isNavKey, moveSelection, rowsPerPage, scrollScale, scrollToReveal, visibleRange } from '../../lib/virtual_window.ts';
import { clearFilter, clearPicked, openCall, openExport, patchFilter, select, sortBy, togglePicked, useApp } from '../../state/app_store.ts';
import { BucketChip } from '../../ui/BucketChip.tsx';
import { EmptyState, ErrorState, LoadingState } from '../../ui/States.tsx';
import { OpenFilesButton } from '../shell/Header.tsx';

export const ROW_HEIGHT = 28;
const HEADER_HEIGHT = 32;
const OVERSCAN = 16;
// A page covers a few screens: a jump usually needs one query (by offset: an index walk to
// the row), pages next to a loaded one are asked for by cursor (one index seek; page_cache.ts),
// and 25 pages keep at most 5 000 rows in memory.
const PAGE_SIZE = CALL_PAGE_SIZE;
const MAX_PAGES = 25;
/** Fetch after the scroll has paused this long: a thumb dragged across 100 000 rows asks only for where it stops. */
const FETCH_DELAY_MS = 40;

interface Column {
  id: string;
  label: string;
  title: string;
  sort?: CallSortKey;
  align?: 'right';
  cell(r: CallRow): ReactNode;
}

function tone(t: string | null): string | undefined {
  return t ? `tone-${t}` : undefined;
}

const COLUMNS: Column[] = [
  { id: 'time', label: 'Time (UTC)', title: 'First SIP message of the call', sort: 'startUs', cell: (r) => <span className="mono">{formatTimeUs(r.startUs)}</span> },
  { id: 'from', label: 'From', title: 'User part of From of the initial INVITE', cell: (r) => <span className="mono" title={`${r.from} (${r.callerAddr})`}>{r.from || '–'}</span> },
  { id: 'to', label: 'To', title: 'User part of To of the initial INVITE', cell: (r) => <span className="mono" title={`${r.to} (${r.calleeAddr})`}>{r.to || '–'}</span> },
  { id: 'dur', label: 'Duration', title: 'Answer → end; 0 when unanswered', sort: 'durationMs', align: 'right', cell: (r) => (r.answered ? formatDurationMs(r.durationMs) : <span className="muted" title="not answered">–</span>) },
  {
    id: 'final',
    label: 'Final',
    title: 'Final SIP response of the initial INVITE',
    sort: 'finalStatus',
    align: 'right',
    cell: (r) => <span className={`mono ${r.finalStatus !== null && r.finalStatus >= 400 ? 'danger' : ''}`}>{r.finalStatus ?? '–'}</span>,
  },
  { id: 'bucket', label: 'Bucket', title: 'Drop bucket (diagnosis.md §2)', sort: 'bucket', cell: (r) => <BucketChip bucket={r.bucket} /> },
  { id: 'cause', label: 'Cause', title: 'Cause key of the verdict', cell: (r) => <span className="mono" title={r.confidence !== null && r.confidence < 1 ? `confidence ${Math.round(r.confidence * 100)} %` : undefined}>{r.cause ?? '–'}{r.confidence !== null && r.confidence < 1 && <span className="muted"> ?</span>}</span> },
  { id: 'loss', label: 'Loss', title: 'Worst packet loss of the call’s streams', sort: 'worstLossPct', align: 'right', cell: (r) => <span className={tone(lossTone(r.worstLossPct))}>{formatPct(r.worstLossPct)}</span> },
  { id: 'jitter', label: 'Jitter', title: 'Worst max jitter (RFC 3550, Wireshark’s ms)', sort: 'worstJitterMs', align: 'right', cell: (r) => formatMs(r.worstJitterMs) },
  { id: 'mos', label: 'MOS', title: 'Lowest estimated MOS (E-model, G.107)', sort: 'minMos', align: 'right', cell: (r) => <span className={tone(mosTone(r.minMos))}>{formatMos(r.minMos)}</span> },
  { id: 'gap', label: 'Max gap', title: 'Longest RTP silence of any stream', sort: 'longestGapMs', align: 'right', cell: (r) => formatDurationMs(r.longestGapMs) },
];

export function CallsTable({ handle }: { handle: ClientHandle }) {
  const filter = useApp((s) => s.filter);
  const sort = useApp((s) => s.sort);
  const version = useApp((s) => s.libraryVersion);
  const selected = useApp((s) => s.selectedIndex);
  const openId = useApp((s) => s.openCallId);
  const focusToken = useApp((s) => s.focusListToken);
  const noSources = useApp((s) => s.sourcesState === 'ready' && s.sources.length === 0);
  const picked = useApp((s) => s.picked);
  const pickedIds = new Set(picked.map((c) => c.id));

  const [, rerender] = useReducer((x: number) => x + 1, 0);
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewHeight, setViewHeight] = useState(600);

  const key = filterKey(filter, sort);
  const fetcherFor = useCallback(
    (f: typeof filter, s: typeof sort) => (offset: number, limit: number, near?: PageNeighbour<CallRow>) => {
      const q = buildQuery(f, s, offset, limit, near);
      // The first page may have been asked for at start-up already (first_page.ts).
      return takeFirstPage(q) ?? handle.client.queryCalls(q);
    },
    [handle],
  );
  const [cache] = useState(() => new PageCache<CallRow>(fetcherFor(filter, sort), { pageSize: PAGE_SIZE, maxPages: MAX_PAGES }, rerender));

  // A new query replaces the cache's contents before this render reads it; a library change
  // keeps the rows on screen and refreshes them in place.
  const seen = useRef({ key, version });
  if (seen.current.key !== key) {
    seen.current = { key, version };
    cache.reset(fetcherFor(filter, sort));
  } else if (seen.current.version !== version) {
    seen.current = { key, version };
    cache.refresh();
  }

  // A page that gave a lower bound of the total (a text search matching many calls): the rows
  // are shown, and the exact count is asked for step by step; it sizes the list when it comes.
  // A new filter or a library change stops it (the cleanup) and starts one for the new query.
  const counting = cache.total !== null && !cache.totalExact;
  useEffect(() => {
    if (!counting) return;
    const generation = cache.currentGeneration;
    const f = normalizeFilter(filter);
    return countExactly((resume) => handle.client.countCalls({ filter: f, resume }), {
      progress: (n) => cache.raiseTotal(n, generation),
      done: (n) => cache.setExactTotal(n, generation),
      // The bound stays: the list still shows its rows (the status line says it is not exact).
      failed: () => {},
    });
  }, [cache, handle, key, version, counting]);

  // A new query starts at the top.
  useLayoutEffect(() => {
    if (viewport.current) viewport.current.scrollTop = 0;
    setScrollTop(0);
  }, [key]);

  useLayoutEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewHeight(Math.max(0, el.clientHeight - HEADER_HEIGHT)));
    ro.observe(el);
    setViewHeight(Math.max(0, el.clientHeight - HEADER_HEIGHT));
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    if (focusToken) viewport.current?.focus();
  }, [focusToken]);

  // Opening a call shrinks the list (the call pane takes room): keep the selected row in view.
  const revealRef = useRef<(i: number) => void>(() => {});
  useEffect(() => {
    if (selected !== null) revealRef.current(selected);
    // Only when the pane opens or the list is resized, not on every selection move.
  }, [openId !== null, viewHeight]);

  const total = cache.total ?? 0;
  // Grouped legs: an expanded end-to-end call shows its legs as rows under it.
  const grouped = filter.groupLegs === true;
  const legs = useLegGroups(handle, grouped, `${key}|${version}`, rerender);
  const expandedRows = grouped ? legs.expandedRows() : [];
  const shownTotal = screenTotal(total, expandedRows);
  const scale = scrollScale(shownTotal, ROW_HEIGHT);
  const virtualTop = scrollTop * scale;
  const range = visibleRange({ scrollTop: virtualTop, viewportHeight: viewHeight, rowHeight: ROW_HEIGHT, total: shownTotal, overscan: OVERSCAN });
  const screen = (pos: number): ScreenRow => (grouped ? screenRow(pos, expandedRows) : { kind: 'row', index: pos });

  useEffect(() => {
    // The rows on screen first; then a margin of a quarter page each way, so ordinary
    // scrolling finds its rows already loaded.
    const first = screen(range.start).index;
    const last = screen(Math.max(range.start, range.end - 1)).index + 1;
    const t = setTimeout(
      () =>
        void cache
          .ensure(first, last)
          .then(() => {
            if (grouped) legs.ensure(Array.from({ length: last - first }, (_, k) => cache.get(first + k)?.id).filter((id): id is number => id !== undefined));
          })
          .then(() => cache.ensure(Math.max(0, first - PAGE_SIZE / 4), last + PAGE_SIZE / 4)),
      cache.total === null ? 0 : FETCH_DELAY_MS,
    );
    return () => clearTimeout(t);
  }, [cache, range.start, range.end, key, version, grouped, cache.total]);

  const reveal = (index: number): void => {
    const el = viewport.current;
    if (!el) return;
    const target = scrollToReveal(grouped ? screenPos(index, expandedRows) : index, virtualTop, viewHeight, ROW_HEIGHT);
    if (target !== null) el.scrollTop = target / scale;
  };

  revealRef.current = reveal;

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (isNavKey(e.key)) {
      e.preventDefault();
      const next = moveSelection(selected, e.key, total, rowsPerPage(viewHeight, ROW_HEIGHT));
      select(next);
      if (next !== null) reveal(next);
    } else if (e.key === 'Enter') {
      if (selected === null) return;
      const row = cache.get(selected);
      if (row) {
        e.preventDefault();
        openCall(row.id);
      }
    } else if (e.key === ' ') {
      // Space ticks the selected row for an export, as in a file manager.
      if (selected === null) return;
      const row = cache.get(selected);
      if (row) {
        e.preventDefault();
        togglePicked(row);
      }
    } else if (e.key === 'Escape') {
      e.preventDefault();
      if (openId !== null) openCall(null);
      else if (selected !== null) select(null);
      else if (!isFilterEmpty(filter)) clearFilter();
    }
  };

  const rows: ReactNode[] = [];
  for (let pos = range.start; pos < range.end; pos++) {
    const at = screen(pos);
    const i = at.index;
    if (at.kind === 'leg') {
      const g = legs.group(cache.get(i)?.id);
      const leg = g?.legs[at.leg];
      if (leg) rows.push(<LegRow key={`l${pos}`} pos={pos} leg={leg} legPos={at.leg} open={leg.id === openId} />);
      continue;
    }
    const raw = cache.get(i);
    const g = grouped ? legs.group(raw?.id) : null;
    // The end-to-end call's row carries the end-to-end verdict (the leg that failed first).
    const r = raw && g?.endToEnd ? { ...raw, bucket: g.endToEnd.bucket, cause: g.endToEnd.cause, confidence: g.endToEnd.confidence } : raw;
    const isSel = i === selected;
    if (!r) {
      rows.push(
        <div key={pos} className="ct-row ct-skeleton" role="row" aria-rowindex={pos + 2} aria-busy="true">
          <div className="ct-cell">
            <span className="skeleton-bar" />
          </div>
        </div>,
      );
      continue;
    }
    rows.push(
      <div
        key={pos}
        role="row"
        aria-rowindex={pos + 2}
        aria-selected={isSel}
        className={`ct-row${isSel ? ' ct-selected' : ''}${pickedIds.has(r.id) ? ' ct-picked' : ''}${r.id === openId ? ' ct-open' : ''}${i % 2 ? ' ct-odd' : ''}`}
        data-testid="call-row"
        data-call-id={r.callId}
        data-id={r.id}
        data-bucket={r.bucket === null ? '' : String(r.bucket)}
        data-cause={r.cause ?? ''}
        data-legs={g ? g.legs.length : undefined}
        onClick={(e) => {
          select(i);
          // Ctrl/⌘-click ticks the row for an export instead of opening it.
          if (e.ctrlKey || e.metaKey) togglePicked(r);
          else openCall(r.id);
          viewport.current?.focus({ preventScroll: true });
        }}
      >
        <div role="gridcell" className="ct-cell ct-pick" onClick={(e) => e.stopPropagation()}>
          <input
            type="checkbox"
            checked={pickedIds.has(r.id)}
            onChange={() => togglePicked(r)}
            aria-label={`Select call ${r.callId} for export`}
            data-testid="call-pick"
            tabIndex={-1}
          />
        </div>
        {COLUMNS.map((c) => (
          <div key={c.id} role="gridcell" className={`ct-cell ct-${c.id}${c.align === 'right' ? ' ct-right' : ''}`}>
            {c.id === 'time' && g && g.legs.length > 1 && (
              <button
                type="button"
                className="ct-legs-toggle"
                data-testid="legs-toggle"
                aria-expanded={legs.isExpanded(r.id)}
                title={`One call across ${g.legs.length} legs (B2BUA): ${legs.isExpanded(r.id) ? 'hide' : 'show'} them`}
                onClick={(e) => {
                  e.stopPropagation();
                  legs.toggle(r.id, i);
                }}
              >
                {legs.isExpanded(r.id) ? '▾' : '▸'} {g.legs.length}
              </button>
            )}
            {c.cell(r)}
          </div>
        ))}
      </div>,
    );
  }

  const spacerHeight = (shownTotal * ROW_HEIGHT) / scale;
  // Rows sit where the (possibly compressed) scroll position says row range.start should be.
  const rowsTop = scrollTop + (range.start * ROW_HEIGHT - virtualTop);

  let body: ReactNode = null;
  if (cache.error && cache.total === null) body = <ErrorState title="The calls could not be listed" message={cache.error} onRetry={() => { cache.reset(); rerender(); }} />;
  else if (cache.total === null) body = <LoadingState what="calls" />;
  else if (total === 0)
    body = noSources ? (
      <EmptyState title="No captures yet — drop a pcap, pcapng, gz, CDR CSV or events file here" testId="calls-empty">
        <p>Or open them from disk. Files are recognised by their content and indexed on this machine; nothing leaves it.</p>
        <OpenFilesButton primary />
      </EmptyState>
    ) : !isFilterEmpty(filter) ? (
      <EmptyState title="No call matches this filter" testId="calls-empty">
        <button type="button" className="btn" onClick={clearFilter}>
          Clear the filter
        </button>
      </EmptyState>
    ) : (
      <EmptyState title="No calls in the library yet" testId="calls-empty">
        <p>The sources hold no INVITE dialog (yet: an import may still be running).</p>
        <button type="button" className="btn" onClick={() => patchFilter({ includeOther: true })}>
          Show REGISTER, OPTIONS and other dialogs
        </button>
      </EmptyState>
    );

  const sortMark = (k?: CallSortKey): string => (k && sort.key === k ? (sort.descending ? ' ▼' : ' ▲') : '');

  return (
    <div className="ct">
      <div
        ref={viewport}
        className="ct-viewport"
        role="grid"
        aria-label="Calls"
        aria-rowcount={shownTotal + 1}
        aria-multiselectable={true}
        tabIndex={0}
        data-testid="calls-table"
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        onKeyDown={onKeyDown}
      >
        <div className="ct-row ct-header" role="row" aria-rowindex={1} style={{ height: HEADER_HEIGHT }}>
          <div role="columnheader" className="ct-cell ct-pick" title="Tick calls to export them together (Space or Ctrl-click also ticks)">
            <span className="visually-hidden">Select</span>
          </div>
          {COLUMNS.map((c) => (
            <div
              key={c.id}
              role="columnheader"
              className={`ct-cell ct-${c.id}${c.align === 'right' ? ' ct-right' : ''}${c.sort ? ' ct-sortable' : ''}`}
              aria-sort={c.sort && sort.key === c.sort ? (sort.descending ? 'descending' : 'ascending') : undefined}
              title={c.sort ? `${c.title} — click to sort` : c.title}
              data-sort={c.sort}
              data-testid={c.sort ? 'sort-header' : undefined}
              onClick={c.sort ? () => sortBy(c.sort!) : undefined}
            >
              {c.label}
              {sortMark(c.sort)}
            </div>
          ))}
        </div>
        {body ?? (
          <div className="ct-spacer" style={{ height: spacerHeight }}>
            <div className="ct-rows" style={{ transform: `translateY(${rowsTop}px)` }}>
              {rows}
            </div>
          </div>
        )}
      </div>
      <div className="ct-status" aria-live="polite">
        {cache.total !== null && (
          <>
            <span data-testid="calls-total" data-exact={cache.totalExact}>
              {cache.totalExact ? `${formatCount(total)} call${total === 1 ? '' : 's'}` : `${formatCount(total)}+ calls, counting…`}
            </span>
            {total > 0 && (
              <span className="muted">
                rows {formatCount(Math.min(total, Math.floor(virtualTop / ROW_HEIGHT) + 1))}–{formatCount(Math.min(total, Math.floor((virtualTop + viewHeight) / ROW_HEIGHT)))}
              </span>
            )}
            {selected !== null && <span className="muted">selected #{formatCount(selected + 1)}</span>}
          </>
        )}
        {picked.length > 0 && (
          <span className="ct-picked-bar" data-testid="selection-bar">
            <strong data-testid="selection-count">{formatCount(picked.length)} selected for export</strong>
            <button type="button" className="btn btn-primary btn-small" onClick={() => openExport(picked)} data-testid="export-selection">
              Export…
            </button>
            <button type="button" className="btn btn-small" onClick={clearPicked}>
              Clear
            </button>
          </span>
        )}
        {cache.error && cache.total !== null && <span className="danger">{cache.error}</span>}
        <span className="ct-keys muted">↑↓ PgUp PgDn Home End move · Enter opens · Space ticks · / search · Esc clears</span>
      </div>
    </div>
  );
}

/** A leg shown under its end-to-end call's row: click opens that leg (its ladder shows them all). */
function LegRow({ pos, leg, legPos, open }: { pos: number; leg: CallRow; legPos: number; open: boolean }) {
  return (
    <div
      role="row"
      aria-rowindex={pos + 2}
      className={`ct-row ct-leg${open ? ' ct-open' : ''}`}
      data-testid="leg-row"
      data-call-id={leg.callId}
      data-id={leg.id}
      onClick={() => openCall(leg.id)}
      title={`Leg ${legPos + 1}: ${leg.callId}`}
    >
      <div role="gridcell" className="ct-cell ct-pick" />
      {COLUMNS.map((c) => (
        <div key={c.id} role="gridcell" className={`ct-cell ct-${c.id}${c.align === 'right' ? ' ct-right' : ''}`}>
          {c.id === 'time' ? (
            <span className="ct-leg-label">
              <span className="ct-leg-swatch" style={{ background: legColor(legPos) }} aria-hidden="true" />↳ leg {legPos + 1}{' '}
              <span className="mono muted">{leg.callId}</span>
            </span>
          ) : (
            c.cell(leg)
          )}
        </div>
      ))}
    </div>
  );
}

interface LegGroups {
  /** The end-to-end call of a loaded row; null when it has no legs or is not known yet. */
  group(rowId: number | undefined): CallLegs | null;
  /** Asks the back end for the groups of these rows (those not asked yet). */
  ensure(rowIds: readonly number[]): void;
  isExpanded(rowId: number): boolean;
  toggle(rowId: number, index: number): void;
  expandedRows(): ExpandedRow[];
}

/**
 * The end-to-end calls of the rows on screen, asked for page by page (getLegGroups answers
 * only rows that have legs), and which of them are expanded. Forgotten when the query or the
 * library changes (`generation`).
 */
function useLegGroups(handle: ClientHandle, on: boolean, generation: string, rerender: () => void): LegGroups {
  const ref = useRef<{ generation: string; groups: Map<number, CallLegs | null>; asked: Set<number>; expanded: Map<number, number> }>({
    generation, groups: new Map(), asked: new Set(), expanded: new Map(),
  });
  if (ref.current.generation !== generation) ref.current = { generation, groups: new Map(), asked: new Set(), expanded: new Map() };
  const st = ref.current;
  return {
    group: (id) => (id === undefined ? null : (st.groups.get(id) ?? null)),
    ensure(rowIds) {
      if (!on) return;
      const ids = rowIds.filter((id) => !st.asked.has(id)).slice(0, MAX_LEG_GROUP_IDS);
      if (ids.length === 0) return;
      for (const id of ids) st.asked.add(id);
      void handle.client.getLegGroups({ ids }).then((r) => {
        if (ref.current !== st) return; // a newer query
        if (!r.ok) {
          for (const id of ids) st.asked.delete(id);
          return;
        }
        for (const id of ids) st.groups.set(id, null);
        for (const g of r.value) st.groups.set(g.id, g);
        rerender();
      });
    },
    isExpanded: (id) => st.expanded.has(id),
    toggle(id, index) {
      if (st.expanded.has(id)) st.expanded.delete(id);
      else st.expanded.set(id, index);
      rerender();
    },
    expandedRows: () => sortExpanded([...st.expanded].map(([id, index]) => ({ index, legs: st.groups.get(id)?.legs.length ?? 0 }))),
  };
}
