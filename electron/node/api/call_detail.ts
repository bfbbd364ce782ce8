// One call as the page sees it (the contract's CallDetail): the indexed call with its ladder
// messages, streams, RTCP, verdict, joined CDR rows and the capture's window and coverage.
// The getCall handler and the HTML incident report both read calls through this, so the
// report shows exactly what the app shows.

import type { CallDetail, CdrRow, LadderMessage } from '../../../shared/api/contract.ts';
import type { CallStream } from '../../../shared/model/call.ts';
import type { RtpStreamStats } from '../../../shared/model/media.ts';
import type { Verdict } from '../../../shared/model/verdict.ts';
import type { IndexStore } from '../store/index_store.ts';
import { cdrRowOf } from './cdr_row.ts';
import { callRow } from './call_row.ts';

/** Strips the index's own keys so the page gets the model types and nothing else. */
export function plainStream<T extends RtpStreamStats>(s: T & { id?: number; sourceId?: number; callRowId?: number | null }): T {
  const { id: _i, sourceId: _s, callRowId: _c, ...rest } = s;
  return rest as unknown as T;
}

/** The call at `id` as the page sees it; null when the index holds no such call. */
export function callDetailOf(store: Pick<IndexStore, 'getCall' | 'getSource' | 'inputs'>, id: number): CallDetail | null {
  const d = store.getCall(id);
  if (!d) return null;
  const src = store.getSource(d.sourceId);
  const names = new Map<number, string>();
  const nameOf = (sid: number): string => {
    if (!names.has(sid)) names.set(sid, store.getSource(sid)?.name ?? `source #${sid}`);
    return names.get(sid)!;
  };
  const messages: LadderMessage[] = d.messages.map((m, index) => ({
    frame: m.frame, tsUs: m.tsUs, src: m.src, dst: m.dst, label: m.label, cseq: m.cseq, cseqMethod: m.cseqMethod,
    retransmission: m.retransmission, ...(m.quoted ? { quoted: true } : {}), index, transport: m.transport, raw: m.raw,
  }));
  const cdr: CdrRow[] = store.inputs.cdrRecordsOfCall(id).map((r) => cdrRowOf(r, nameOf));
  return {
    row: callRow(d),
    sourceName: src?.name ?? `source #${d.sourceId}`,
    messages,
    streams: d.streams.map((s) => plainStream<CallStream>(s)),
    rtcp: d.rtcp.map((r) => {
      const { id: _i, sourceId: _s, callRowId: _c, ...rest } = r;
      return rest;
    }),
    verdict: (d.verdict as Verdict | null) ?? null,
    cdr,
    capture: {
      firstUs: src?.coverage?.window?.startUs ?? src?.firstUs ?? null,
      lastUs: src?.coverage?.window?.endUs ?? src?.lastUs ?? null,
      coverage: d.origin === 'cdr' ? null : src?.coverage ?? null,
    },
    natMismatch: d.facts.natMismatch ?? [],
    media: d.origin === 'cdr' ? null : d.facts.media,
  };
}
