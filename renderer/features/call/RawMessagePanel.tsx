// The side panel of the ladder: the selected message as captured (monospace, scrollable) and
// a summary of its SDP, so an offer/answer can be read without counting a= lines.

import { useMemo } from 'react';
import type { LadderMessage } from '../../../shared/api/contract.ts';
import { formatTimeUs } from '../../lib/format.ts';
import { relativeTime } from '../../../shared/layout/ladder_layout.ts';
import { summarizeSdp } from './sdp_summary.ts';

export function RawMessagePanel({ message, originUs, onClose }: { message: LadderMessage; originUs: number; onClose: () => void }) {
  const sdp = useMemo(() => summarizeSdp(message.raw), [message.raw]);
  return (
    <aside className="cv-raw" data-testid="raw-message" aria-label={`Message ${message.index}`}>
      <header className="cv-raw-head">
        <div>
          <strong>
            #{message.index} {message.label}
          </strong>
          {message.retransmission && <span className="cv-tag cv-tag-warn">retransmission</span>}
          {message.quoted && <span className="cv-tag cv-tag-warn">quoted in an ICMP error</span>}
          <div className="cv-muted cv-small">
            {message.src} → {message.dst} · {message.transport ?? 'transport ?'} · frame {message.frame}
          </div>
          <div className="cv-muted cv-small">
            {formatTimeUs(message.tsUs)} UTC · {relativeTime(message.tsUs, originUs)} s · CSeq {message.cseq} {message.cseqMethod}
          </div>
          {message.seenAt && (
            <div className="cv-muted cv-small" data-testid="seen-at">
              seen at {message.seenAt.map((x) => `${x.point} (frame ${x.frame}, ${formatTimeUs(x.tsUs)} on its clock)`).join(' and ')}
            </div>
          )}
        </div>
        <button type="button" className="cv-close" onClick={onClose} title="Close (Esc)" aria-label="Close raw message">
          ×
        </button>
      </header>
      {sdp && sdp.length > 0 && (
        <div className="cv-sdp" data-testid="sdp-summary">
          <h4>SDP</h4>
          <table>
            <thead>
              <tr>
                <th>media</th>
                <th>connection : port</th>
                <th>direction</th>
                <th>codecs (rtpmap)</th>
              </tr>
            </thead>
            <tbody>
              {sdp.map((m, i) => (
                <tr key={i}>
                  <td>
                    {m.media} <span className="cv-muted">{m.proto}</span>
                  </td>
                  <td className="cv-mono">
                    {m.connection || '–'}:{m.port}
                  </td>
                  <td>
                    {m.direction}
                    {m.hold && <span className="cv-tag cv-tag-warn">hold</span>}
                  </td>
                  <td className="cv-mono">
                    {m.codecs.join(', ') || '–'}
                    {m.ptime !== null && <span className="cv-muted"> · ptime {m.ptime}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {message.raw === null ? <p className="cv-muted">The index holds no raw text for this message.</p> : <pre className="cv-raw-text">{message.raw.replace(/\r\n/g, '\n')}</pre>}
    </aside>
  );
}
