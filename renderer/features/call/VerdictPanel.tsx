// Pane 3: why the call ended. Bucket chip, cause key, fix with its checks, confidence, and the
// evidence: each item jumps to what it rests on (ladder arrow, timeline gap or lane, CDR row)
// and moves the shared cursor there. Below: the decision tree with this call's path, and the
// CDR rows joined to the call.

import type { CallDetail, CdrRow, DecisionRuleInfo } from '../../../shared/api/contract.ts';
import type { Evidence } from '../../../shared/model/verdict.ts';
import { clock } from '../../../shared/diagnosis/evidence_text.ts';
import { useCallStore, useCallStoreApi } from './call_store.ts';
import { DecisionTreeView } from './DecisionTreeView.tsx';
import { evidenceTarget, type EvidenceTarget } from '../../../shared/layout/evidence_target.ts';
import { relativeTime } from '../../../shared/layout/ladder_layout.ts';

export type TreeState = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; rules: DecisionRuleInfo[] };

const TARGET_HINT: Record<EvidenceTarget['kind'], string> = {
  arrow: 'show the SIP message in the ladder',
  gap: 'show the gap in the timeline',
  stream: 'show the stream in the timeline',
  cdr: 'show the CDR row',
  time: 'move the cursor to this moment',
  none: '',
};

export function VerdictPanel({ detail, tree, originUs }: { detail: CallDetail; tree: TreeState; originUs: number | null }) {
  const v = detail.verdict;
  return (
    <aside className="cv-pane cv-verdict" data-testid="verdict-panel" aria-label="Verdict">
      <h3>Why did this call end?</h3>
      {!v ? (
        <p className="cv-empty">
          No verdict: {detail.row.kind === 'other' ? 'this dialog is not a call (REGISTER, OPTIONS, SUBSCRIBE…), so it is not classified.' : 'the classifier has not run on this call yet.'}
        </p>
      ) : (
        <>
          <div className="cv-verdict-head">
            <span className="cv-chip" style={{ background: `var(--bucket-${v.bucket ?? 'none'})` }} data-testid="verdict-bucket">
              {v.bucket !== null ? `Bucket ${v.bucket} · ${v.bucketName}` : v.bucketName}
            </span>
            {v.bucket !== null && <span className={`cv-tag ${v.problem ? 'cv-tag-danger' : 'cv-tag-ok'}`}>{v.problem ? 'problem' : 'not a problem'}</span>}
          </div>
          <div className="cv-verdict-cause" data-testid="verdict-cause">
            cause <code>{v.cause}</code>
            <span className="cv-confidence" title="1.0 for direct evidence; lower when inferred or known from a CDR alone">
              confidence <strong>{Math.round(v.confidence * 100)} %</strong>
            </span>
          </div>
          {detail.capture.coverage?.signallingOnly && detail.row.answered && (
            <p className="cv-notice" data-testid="media-not-checked">
              Media could not be checked: this capture is signalling-only (
              {detail.capture.coverage.signallingOnlyWhy === 'filter' ? `its capture filter “${detail.capture.coverage.filter}” leaves RTP out` : 'no call in it carried RTP and it recorded no capture filter'}
              ). One-way audio, silences and RTP timeouts cannot be seen; the verdict rests on the SIP alone. Capture with the media ports to check them.
            </p>
          )}
          {detail.natMismatch.length > 0 && (
            <p className="cv-notice" data-testid="nat-mismatch">
              NAT: {detail.natMismatch.map((n) => `RTP to ${n.sdpAddr} (named by the ${n.receiver === 'caller' ? 'caller' : 'called side'}'s SDP), which really uses ${n.usedAddr}`).join('; ')}. Those packets never arrive: the classic cause of one-way audio (fix: media latching / RTP relay on the SBC, or disable the SIP ALG).
            </p>
          )}
          <div className="cv-fix" data-testid="verdict-fix">
            <h4>{v.fix.title}</h4>
            <p>{v.fix.text}</p>
            {v.fix.checks.length > 0 && (
              <>
                <div className="cv-subhead">Check first</div>
                <ul>
                  {v.fix.checks.map((c, i) => (
                    <li key={i}>{c}</li>
                  ))}
                </ul>
              </>
            )}
          </div>
          <div className="cv-subhead">Evidence</div>
          <ol className="cv-evidence">
            {v.evidence.map((e, i) => (
              <EvidenceItem key={i} e={e} detail={detail} originUs={originUs} />
            ))}
            {v.evidence.length === 0 && <li className="cv-muted">No evidence items.</li>}
          </ol>
        </>
      )}
      {detail.cdr.length > 0 && <CdrRows rows={detail.cdr} />}
      <div className="cv-subhead">Decision tree{v ? ` (path: ${v.path.join(' → ')})` : ''}</div>
      {tree.status === 'loading' && <p className="cv-muted">Loading the decision tree…</p>}
      {tree.status === 'error' && <p className="cv-error">The decision tree could not be loaded: {tree.message}</p>}
      {tree.status === 'ready' && <DecisionTreeView rules={tree.rules} path={v?.path ?? []} />}
    </aside>
  );
}

function EvidenceItem({ e, detail, originUs }: { e: Evidence; detail: CallDetail; originUs: number | null }) {
  const store = useCallStoreApi();
  const target = evidenceTarget(e, detail);
  const active = target.kind !== 'none';
  const go = () => store.getState().reveal(target);
  return (
    <li
      data-testid="evidence-item"
      data-ref={e.ref?.kind ?? 'none'}
      className={`cv-evidence-item${active ? ' cv-clickable' : ''}`}
      role={active ? 'button' : undefined}
      tabIndex={active ? 0 : undefined}
      title={TARGET_HINT[target.kind]}
      onClick={active ? go : undefined}
      onKeyDown={
        active
          ? (ev) => {
              if (ev.key === 'Enter' || ev.key === ' ') {
                ev.preventDefault();
                go();
              }
            }
          : undefined
      }
    >
      <span className="cv-evidence-text">{e.text}</span>
      {e.tsUs !== null && (
        <time className="cv-evidence-time cv-mono">
          {clock(e.tsUs)}
          {originUs !== null && ` · ${relativeTime(e.tsUs, originUs)} s`}
        </time>
      )}
    </li>
  );
}

const JOIN_TEXT: Record<NonNullable<CdrRow['join']>, string> = {
  call_id: 'joined by Call-ID',
  numbers_time: 'joined by numbers and start time',
  cdr_only: 'no captured call matched',
};

function CdrRows({ rows }: { rows: CdrRow[] }) {
  const highlight = useCallStore((s) => s.highlight);
  return (
    <div className="cv-cdr" data-testid="cdr-rows">
      <div className="cv-subhead">CDR rows</div>
      {rows.map((r) => {
        const hl = highlight?.kind === 'cdr' && highlight.source === r.source && highlight.line === r.line;
        return (
          <details key={`${r.source}:${r.line}`} className={`cv-cdr-row${hl ? ' cv-flash' : ''}`} open={hl || rows.length === 1}>
            <summary>
              <span className="cv-mono">
                {r.source} line {r.line}
              </span>{' '}
              · {r.format} · {r.disposition || 'no disposition'}
              {r.q850Cause !== null && ` · Q.850 ${r.q850Cause}`}
              {r.sipCode !== null && ` · SIP ${r.sipCode}`}
              {r.endedBy && ` · ended by ${r.endedBy}`}
              {r.join && <span className="cv-muted"> · {JOIN_TEXT[r.join]}{r.joinDeltaMs !== null ? ` (start Δ ${Math.round(r.joinDeltaMs)} ms)` : ''}</span>}
            </summary>
            <table className="cv-kv">
              <tbody>
                {Object.entries(r.raw).map(([k, val]) => (
                  <tr key={k}>
                    <th>{k}</th>
                    <td className="cv-mono">{val}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        );
      })}
    </div>
  );
}
