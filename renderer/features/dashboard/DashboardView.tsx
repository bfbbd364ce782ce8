// Across calls (diagnosis.md §6): the carrier KPIs, buckets per hour with the alert windows,
// the cause and Q.850 distributions and the worst peers. Every count that the call filter can
// express is a click to the calls behind it.
import { memo, useEffect, useMemo, useState, type KeyboardEvent, type MouseEvent, type ReactNode } from 'react';
import type { Summary } from '../../../shared/diagnosis/call_summary.ts';
import { BUCKET_KEYS, bucketKeyToFilter, HOUR_US, type BucketKey } from '../../lib/call_filter.ts';
import { bucketFull, bucketShort, bucketVar } from '../../lib/bucket_labels.ts';
import { formatCount, formatDurationMs, formatHourUs, formatMs, formatPct } from '../../lib/format.ts';
import { ensureSummary, showCalls, useApp } from '../../state/app_store.ts';
import { EmptyState, ErrorState, LoadingState } from '../../ui/States.tsx';
import { OpenFilesButton } from '../shell/Header.tsx';
import { HourChart } from './HourChart.tsx';
import { maxOf } from '../../../shared/util/array_math.ts';

const PROBLEM_BUCKETS = [4, 5, 6, 7];

function onActivate(f: (e: KeyboardEvent) => void) {
  return (e: KeyboardEvent): void => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      f(e);
    }
  };
}

function Kpi({ label, value, sub, onClick, testId }: { label: string; value: ReactNode; sub?: ReactNode; onClick?: () => void; testId?: string }) {
  const inner = (
    <>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{value}</div>
      {sub && <div className="kpi-sub">{sub}</div>}
    </>
  );
  return onClick ? (
    <button type="button" className="kpi kpi-click" onClick={onClick} data-testid={testId} title="Show these calls">
      {inner}
    </button>
  ) : (
    <div className="kpi" data-testid={testId}>
      {inner}
    </div>
  );
}

/** The item index an event inside a list came from (data-index on its row), or -1. */
function indexOf(target: EventTarget | null, selector: string): number {
  const el = target instanceof Element ? target.closest(selector) : null;
  const i = el ? Number(el.getAttribute('data-index')) : -1;
  return Number.isInteger(i) ? i : -1;
}

// One click and one key handler on the list, not a closure per row: the rows carry their index.
function BarList<T>({ items, max, label, count, testId, attrs, onClick, empty, title }: {
  items: T[];
  max: number;
  label: (t: T) => ReactNode;
  count: (t: T) => number;
  testId: string;
  attrs: (t: T) => Record<string, string>;
  onClick?: (t: T) => void;
  empty: string;
  title?: (t: T) => string;
}) {
  if (!items.length) return <div className="muted small">{empty}</div>;
  const pick = (e: MouseEvent | KeyboardEvent): void => {
    const i = indexOf(e.target, '.barlist-item');
    if (onClick && i >= 0 && i < items.length) onClick(items[i]);
  };
  return (
    <ul className="barlist" onClick={onClick ? pick : undefined} onKeyDown={onClick ? onActivate(pick) : undefined}>
      {items.map((t, i) => {
        const n = count(t);
        return (
          <li
            key={i}
            className={`barlist-item${onClick ? ' clickable' : ''}`}
            data-testid={testId}
            data-index={i}
            {...attrs(t)}
            title={title?.(t)}
            role={onClick ? 'button' : undefined}
            tabIndex={onClick ? 0 : undefined}
          >
            <span className="barlist-label">{label(t)}</span>
            <span className="barlist-bar">
              <span style={{ width: `${(100 * n) / Math.max(1, max)}%` }} />
            </span>
            <span className="barlist-count num">{formatCount(n)}</span>
          </li>
        );
      })}
    </ul>
  );
}

function MiniStack({ buckets, calls }: { buckets: Summary['buckets']; calls: number }) {
  return (
    <span className="ministack" aria-hidden="true">
      {BUCKET_KEYS.map((k) => (buckets[k] > 0 ? <span key={k} style={{ width: `${(100 * buckets[k]) / Math.max(1, calls)}%`, background: bucketVar(k) }} /> : null))}
    </span>
  );
}

/** Alert windows listed before "show all": at a million calls every one of 400 hours can be one, and a list of 400 (4 000 elements) made the dashboard slow to show and long to scroll past. The chart marks every one. */
export const ALERTS_SHOWN = 12;

/** The alert windows, the latest first: the last ones are what a monitoring user looks at; all of them on request. */
function AlertList({ alerts }: { alerts: Summary['alerts'] }) {
  const [all, setAll] = useState(false);
  const shown = useMemo(() => {
    const latest = alerts.map((a, i) => ({ a, i })).reverse();
    return all ? latest : latest.slice(0, ALERTS_SHOWN);
  }, [alerts, all]);
  // One handler for the list; the rows carry their index in the summary's alerts.
  const open = (e: MouseEvent): void => {
    const a = alerts[indexOf(e.target, '.alert-item')];
    if (a) showCalls({ buckets: PROBLEM_BUCKETS, fromUs: a.hourStartUs, toUs: a.hourStartUs + HOUR_US });
  };
  return (
    <div className="alerts">
      <h4>
        Alert windows{alerts.length > ALERTS_SHOWN && <span className="muted small"> — {all ? `all ${formatCount(alerts.length)}` : `the latest ${ALERTS_SHOWN} of ${formatCount(alerts.length)}`}</span>}
      </h4>
      <ul onClick={open}>
        {shown.map(({ a, i }) => (
          <li key={a.hourStartUs}>
            <button type="button" className="alert-item" data-testid="alert-window" data-hour={a.hour} data-index={i}>
              <span className="mono">{formatHourUs(a.hourStartUs)} UTC</span>
              <span className="danger">{formatPct(a.problemPct)}</span>
              <span className="muted">
                {formatCount(a.problems)} of {formatCount(a.calls)} calls (threshold {formatPct(a.thresholdPct)})
              </span>
              <span className="alert-buckets">
                {(['4', '5', '6', '7'] as const).filter((b) => a.buckets[b] > 0).map((b) => (
                  <span key={b} className="chip" style={{ ['--chip' as string]: bucketVar(b) }}>
                    <span className="chip-num">{b}</span>
                    <span className="chip-text">{formatCount(a.buckets[b])}</span>
                  </span>
                ))}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {alerts.length > ALERTS_SHOWN && (
        <button type="button" className="link" data-testid="alerts-more" aria-expanded={all} onClick={() => setAll(!all)}>
          {all ? `Show the latest ${ALERTS_SHOWN} only` : `Show all ${formatCount(alerts.length)} alert windows`}
        </button>
      )}
    </div>
  );
}

/** The 15 worst peers: sorted once per summary (a library has as many peers as it has trunks and addresses). */
function worstPeers(s: Summary): Summary['byPeer'] {
  return [...s.byPeer].sort((a, b) => b.problems - a.problems || b.problems / Math.max(1, b.calls) - a.problems / Math.max(1, a.calls) || b.calls - a.calls).slice(0, 15);
}

// Memoized on the summary object, which the store keeps until the library changes: a render
// of the view for another reason (the store's other fields) does not rebuild the dashboard.
const Dashboard = memo(function Dashboard({ s }: { s: Summary }) {
  const problems = PROBLEM_BUCKETS.reduce((n, b) => n + s.buckets[String(b) as BucketKey], 0);
  const peers = useMemo(() => worstPeers(s), [s]);
  const maxCause = Math.max(1, maxOf(s.byCause, (c) => c.count, 1));
  const maxQ = Math.max(1, maxOf(s.q850, (c) => c.count, 1));
  // One handler for the peers' rows (they carry an index).
  const openPeer = (e: MouseEvent | KeyboardEvent): void => {
    const row = e.target instanceof Element ? e.target.closest('[data-testid="peer-row"]') : null;
    const p = peers[indexOf(row, '[data-testid="peer-row"]')];
    if (!p) return;
    // The problems figure in a row opens the peer's calls in buckets 4–7, the rest of the row all of them.
    const problemsOnly = e.target instanceof Element && e.target.closest('[data-problems]') !== null;
    showCalls(problemsOnly ? { peer: p.peer, buckets: PROBLEM_BUCKETS } : { peer: p.peer });
  };
  return (
    <div className="dashboard">
      <div className="kpis">
        <Kpi label="Call attempts" value={formatCount(s.attempts)} onClick={() => showCalls({})} testId="kpi-attempts" />
        <Kpi label="ASR" value={formatPct(s.asrPct)} sub={`${formatCount(s.answered)} answered`} testId="kpi-asr" />
        <Kpi label="ACD" value={formatDurationMs(s.acdMs)} sub="mean answered duration" testId="kpi-acd" />
        <Kpi
          label="PDD"
          value={formatMs(s.pddMs.p50, 0)}
          sub={
            <span className="mono">
              p90 {formatMs(s.pddMs.p90, 0)} · p95 {formatMs(s.pddMs.p95, 0)} · p99 {formatMs(s.pddMs.p99, 0)}
            </span>
          }
          testId="kpi-pdd"
        />
        <Kpi
          label="Problems (buckets 4–7)"
          value={<span className={problems ? 'danger' : 'ok'}>{formatCount(problems)}</span>}
          sub={s.attempts ? `${formatPct((100 * problems) / s.attempts)} of attempts` : undefined}
          onClick={() => showCalls({ buckets: PROBLEM_BUCKETS })}
          testId="kpi-problems"
        />
        <Kpi label="Alert windows" value={<span className={s.alerts.length ? 'danger' : 'ok'}>{formatCount(s.alerts.length)}</span>} sub="hours over the threshold" testId="kpi-alerts" />
      </div>

      <section className="card">
        <div className="card-head">
          <h3>Buckets per hour</h3>
          <div className="legend" role="list">
            {BUCKET_KEYS.map((k) => (
              <button
                key={k}
                type="button"
                role="listitem"
                className="legend-item"
                data-testid="bucket-total"
                data-bucket={k}
                title={`${bucketFull(k)} — click for these calls`}
                onClick={() => showCalls({ buckets: [bucketKeyToFilter(k)] })}
              >
                <span className="legend-swatch" style={{ background: bucketVar(k) }} />
                {k === 'none' ? '' : `${k} `}
                {bucketShort(k)} <span className="num muted">{formatCount(s.buckets[k])}</span>
              </button>
            ))}
          </div>
        </div>
        {s.byHour.length ? <HourChart byHour={s.byHour} alerts={s.alerts} /> : <div className="muted">No call has a start time yet.</div>}
        {s.alerts.length > 0 && <AlertList alerts={s.alerts} />}
      </section>

      <div className="cards-2">
        <section className="card">
          <h3>Causes</h3>
          <BarList
            items={s.byCause}
            max={maxCause}
            testId="cause-item"
            attrs={(c) => ({ 'data-cause': c.cause })}
            label={(c) => <span className="mono">{c.cause}</span>}
            count={(c) => c.count}
            onClick={(c) => showCalls({ causes: [c.cause] })}
            title={() => 'Click to list these calls'}
            empty="No verdicts yet."
          />
        </section>
        <section className="card">
          <h3>Q.850 release causes</h3>
          <BarList
            items={s.q850}
            max={maxQ}
            testId="q850-item"
            attrs={(q) => ({ 'data-code': String(q.code) })}
            label={(q) => (
              <>
                <span className="mono">{q.code}</span> {q.name}
              </>
            )}
            count={(q) => q.count}
            title={(q) => `Q.850 cause ${q.code} from a Reason header of the call's end`}
            empty="No Reason header with a Q.850 cause in these calls."
          />
        </section>
      </div>

      <section className="card">
        <h3>Worst peers</h3>
        {peers.length === 0 ? (
          <div className="muted small">No peer recorded.</div>
        ) : (
          <table className="table peers">
            <thead>
              <tr>
                <th>Peer</th>
                <th className="num">Calls</th>
                <th className="num">ASR</th>
                <th className="num">Problems</th>
                <th>Buckets</th>
              </tr>
            </thead>
            <tbody onClick={openPeer} onKeyDown={onActivate(openPeer)}>
              {peers.map((p, i) => (
                <tr key={p.peer} data-testid="peer-row" data-peer={p.peer} data-index={i} className="clickable" tabIndex={0} title="Click to list this peer's calls">
                  <td className="mono">{p.peer || <span className="muted">unknown</span>}</td>
                  <td className="num">{formatCount(p.calls)}</td>
                  <td className="num">{formatPct(p.asrPct)}</td>
                  <td className="num">
                    {p.problems > 0 ? (
                      <button type="button" className="link danger" title="This peer's calls in buckets 4–7" data-problems="">
                        {formatCount(p.problems)} ({formatPct((100 * p.problems) / Math.max(1, p.calls))})
                      </button>
                    ) : (
                      <span className="muted">0</span>
                    )}
                  </td>
                  <td>
                    <MiniStack buckets={p.buckets} calls={p.calls} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
});

export function DashboardView() {
  const summary = useApp((s) => s.summary);
  const version = useApp((s) => s.libraryVersion);
  const noSources = useApp((s) => s.sourcesState === 'ready' && s.sources.length === 0);
  useEffect(() => void ensureSummary(), [version]);
  if (summary.value) return <Dashboard s={summary.value} />;
  if (summary.state === 'error') return <ErrorState title="The summary could not be computed" message={summary.error ?? ''} onRetry={() => void ensureSummary(true)} />;
  if (noSources)
    return (
      <EmptyState title="No captures yet — drop a pcap, pcapng, gz, CDR CSV or events file here">
        <p>The dashboard sums up every call of the library: ASR, ACD, PDD, buckets per hour, causes and peers.</p>
        <OpenFilesButton primary />
      </EmptyState>
    );
  return <LoadingState what="the summary" />;
}
