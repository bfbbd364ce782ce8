// The library: every imported source with its kind, status and counts, and on click its
// details (statistics, warnings, unusable rows) — the per-file evidence behind "why are some
// calls missing?". A source can be removed, or its calls shown in the list.
import { useState } from 'react';
import type { SourceInfo } from '../../../shared/api/contract.ts';
import type { Stat } from '../../../shared/model/stats.ts';
import type { ClientHandle } from '../../api/client.ts';
import { formatBytes, formatCount, formatDurationMs, formatTimeUs } from '../../lib/format.ts';
import { closeSourceDetail, importRecent, openSourceDetail, refreshSources, removeSource, showCalls, useApp } from '../../state/app_store.ts';
import { ErrorState, LoadingState } from '../../ui/States.tsx';
import { OpenFilesButton } from '../shell/Header.tsx';

const KIND_LABEL: Record<SourceInfo['kind'], string> = { capture: 'capture', cdr: 'CDR', agent_events: 'agent events' };

function warningCount(s: SourceInfo): number {
  return s.warnings.reduce((n, w) => n + w.count, 0);
}

function StatList({ stats, empty }: { stats: Stat[]; empty: string }) {
  if (!stats.length) return <div className="muted small">{empty}</div>;
  return (
    <table className="stat-table">
      <tbody>
        {stats.map((s) => (
          <tr key={s.key} className={`sev-${s.severity}`}>
            <td className="num">{formatCount(s.count)}</td>
            <td>
              <div>{s.description}</div>
              <div className="muted mono small">
                {s.key}
                {s.firstFrame !== undefined && ` · first at frame ${s.firstFrame}`}
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SourceDetails({ source }: { source: SourceInfo }) {
  const detail = useApp((s) => s.detail);
  const [confirm, setConfirm] = useState(false);
  if (!detail || detail.id !== source.id) return null;
  const d = detail.value;
  return (
    <div className="source-detail" aria-label={`${source.name} details`}>
      <dl className="kv">
        <dt>Path</dt>
        <dd className="mono small" title={source.path}>
          {source.path}
        </dd>
        <dt>Format</dt>
        <dd>{source.format}</dd>
        <dt>Size</dt>
        <dd>{formatBytes(source.sizeBytes)}</dd>
        {source.firstUs !== null && (
          <>
            <dt>Packets</dt>
            <dd className="small">
              {formatTimeUs(source.firstUs)} → {formatTimeUs(source.lastUs)} UTC
            </dd>
          </>
        )}
        {source.coverage?.window && (
          <>
            <dt>Recorded</dt>
            <dd className="small" data-testid="capture-window" title={source.coverage.window.from === 'isb' ? 'From the pcapng interface statistics (isb_starttime / isb_endtime): when the recording really started and stopped' : 'No recording window in the file: first → last packet'}>
              {formatTimeUs(source.coverage.window.startUs)} → {formatTimeUs(source.coverage.window.endUs)} UTC ({formatDurationMs((source.coverage.window.endUs - source.coverage.window.startUs) / 1000)},{' '}
              {source.coverage.window.from === 'isb' ? 'recording window from the file' : 'first → last packet'})
            </dd>
          </>
        )}
        {source.coverage?.filter && (
          <>
            <dt>Capture filter</dt>
            <dd className="mono small">{source.coverage.filter}</dd>
          </>
        )}
        {source.coverage?.signallingOnly && (
          <>
            <dt>Media</dt>
            <dd className="warn" data-testid="signalling-only">
              Signalling-only capture ({source.coverage.signallingOnlyWhy === 'filter' ? 'its capture filter leaves RTP out' : 'no call carried RTP and no capture filter was recorded'}): media could not be checked, so no call gets a media verdict.
            </dd>
          </>
        )}
        {source.captureDrops !== null && (
          <>
            <dt>Capture drops</dt>
            <dd className={source.captureDrops > 0 ? 'warn' : ''}>{formatCount(source.captureDrops)} packets dropped by the capturing interface</dd>
          </>
        )}
        {source.error && (
          <>
            <dt>Error</dt>
            <dd className="danger">{source.error}</dd>
          </>
        )}
      </dl>
      <div className="source-actions">
        <button type="button" className="btn btn-small" onClick={() => showCalls({ sourceIds: [source.id] })} data-testid="source-show-calls">
          Show its calls
        </button>
        {confirm ? (
          <>
            <button type="button" className="btn btn-small btn-danger" onClick={() => void removeSource(source.id)}>
              Remove from library
            </button>
            <button type="button" className="btn btn-small" onClick={() => setConfirm(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className="btn btn-small" onClick={() => setConfirm(true)} title="Removes the source and its calls from the index (the file on disk is untouched)">
            Remove…
          </button>
        )}
      </div>
      {detail.state === 'loading' && <LoadingState what="statistics" />}
      {detail.state === 'error' && <ErrorState title="Could not load the details" message={detail.error ?? ''} onRetry={() => void openSourceDetail(source.id)} />}
      {d && (
        <>
          <h4>Warnings</h4>
          <StatList stats={d.stats.filter((s) => s.severity !== 'info')} empty="None: every packet was read." />
          {d.problems.length > 0 && (
            <>
              <h4>Rows that could not be used ({formatCount(d.problems.length)})</h4>
              <ul className="problems">
                {d.problems.slice(0, 200).map((p, i) => (
                  <li key={i}>
                    <span className="mono">line {p.line}</span>: {p.message}
                  </li>
                ))}
                {d.problems.length > 200 && <li className="muted">… and {formatCount(d.problems.length - 200)} more</li>}
              </ul>
            </>
          )}
          <h4>Statistics</h4>
          <StatList stats={d.stats.filter((s) => s.severity === 'info')} empty="No counters recorded." />
        </>
      )}
    </div>
  );
}

function SourceItem({ source }: { source: SourceInfo }) {
  const open = useApp((s) => s.detail?.id === source.id);
  const warnings = warningCount(source);
  return (
    <li className={`source source-${source.status} ${open ? 'source-open' : ''}`} data-testid="source" data-source-id={source.id}>
      <button type="button" className="source-head" aria-expanded={open} onClick={() => (open ? closeSourceDetail() : void openSourceDetail(source.id))}>
        <span className="source-name" title={source.name}>
          {source.name}
        </span>
        <span className={`badge badge-${source.status}`} title={source.error ?? `status: ${source.status}`}>
          {source.status}
        </span>
        <span className="source-meta">
          <span>{KIND_LABEL[source.kind]}</span>
          {source.kind === 'capture' && <span>{formatCount(source.packets)} packets</span>}
          {source.coverage?.signallingOnly && (
            <span className="warn" title="No RTP in this capture: media could not be checked">
              SIP only
            </span>
          )}
          <span>
            {formatCount(source.calls)} call{source.calls === 1 ? '' : 's'}
          </span>
          {warnings > 0 && (
            <span className="warn" title={source.warnings.map((w) => `${w.count} × ${w.description}`).join('\n')}>
              ⚠ {formatCount(warnings)}
            </span>
          )}
        </span>
        {source.status === 'failed' && source.error && <span className="source-error">{source.error}</span>}
      </button>
      {open && <SourceDetails source={source} />}
    </li>
  );
}

export function LibraryPanel({ handle }: { handle: ClientHandle }) {
  const open = useApp((s) => s.libraryOpen);
  const sources = useApp((s) => s.sources);
  const state = useApp((s) => s.sourcesState);
  const error = useApp((s) => s.sourcesError);
  const recent = useApp((s) => s.recent);
  if (!open) return <aside className="library library-closed" data-testid="library" aria-label="Library (hidden)" />;
  const known = new Set(sources.map((s) => s.path));
  const recentOther = recent.filter((p) => !known.has(p));
  return (
    <aside className="library" data-testid="library" aria-label="Library">
      <div className="panel-head">
        <h3>Library</h3>
        <span className="muted small">{sources.length ? `${sources.length} source${sources.length > 1 ? 's' : ''}` : ''}</span>
      </div>
      {state === 'loading' && <LoadingState what="the library" />}
      {state === 'error' && <ErrorState title="The library could not be read" message={error ?? ''} onRetry={() => void refreshSources()} />}
      {state === 'ready' && sources.length === 0 && (
        <div className="library-empty">
          <p>No captures yet — drop a pcap, pcapng, gz, CDR CSV or events file here.</p>
          <OpenFilesButton />
        </div>
      )}
      <ul className="sources">
        {sources.map((s) => (
          <SourceItem key={s.id} source={s} />
        ))}
      </ul>
      {recentOther.length > 0 && (
        <div className="recent">
          <h4>Recent files</h4>
          <ul>
            {recentOther.slice(0, 12).map((p) => (
              <li key={p}>
                {handle.kind === 'ipc' ? (
                  <button type="button" className="link mono small" title={`Import ${p} again`} onClick={() => void importRecent(p)}>
                    {p.split(/[\\/]/).pop()}
                  </button>
                ) : (
                  // The bridge refuses importPaths (a browser page must not name local paths): show, do not offer.
                  <span className="mono small muted" title={`${p} — open it again with Open files…`}>
                    {p.split(/[\\/]/).pop()}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </aside>
  );
}
