// The sentences shown when a pane has nothing to draw: they say why, so an empty pane never
// reads as a bug.

import type { CallDetail } from '../../../shared/api/contract.ts';

/** Why a call has no ladder: known from a CDR row only, or a capture call with nothing stored. */
export function nothingToDraw(d: Pick<CallDetail, 'row' | 'cdr'>): string {
  if (d.row.origin === 'cdr' || d.cdr.length > 0) {
    const r = d.cdr[0];
    const where = r ? `${r.source} line ${r.line}` : 'a CDR file';
    return `This call is known from a CDR row only (${where}): no SIP or RTP to draw. The verdict below rests on that row.`;
  }
  return 'This call has no SIP message and no RTP stream in the index: nothing to draw.';
}
