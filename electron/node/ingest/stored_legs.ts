// End-to-end calls kept in the index (migration 10). The links are computed from facts_json
// as leg_calls.ts does (the new calls plus the library's captured calls that started within
// 60 s of them), then stored, so the app can show a call's legs without relinking and a
// heuristic link the user undid stays undone: the undo is remembered by the pair's Call-IDs,
// which outlive row ids (a capture removed and imported again), and every relinking asks it.
//
// When links change: after each capture import (in the import's own transaction), and after
// a source is removed (the links of its calls go with them by cascade; the legs they were
// linked to are linked again among their own neighbours, so a chain A–B–C that lost B can
// still find A–C). Re-classification changes verdicts, not facts, so the links stay; the
// end-to-end verdict is worked out from the legs' current verdicts whenever it is read.

import { linkLegs, type LegLink } from '../../../shared/diagnosis/leg_links.ts';
import { endToEndVerdict, type EndToEndVerdict } from '../../../shared/diagnosis/end_to_end.ts';
import { minOf } from '../../../shared/util/array_math.ts';
import type { DiagnosisSettings, Verdict } from '../../../shared/model/verdict.ts';
import type { CallDetail, IndexStore } from '../store/index_store.ts';
import { MAX_GROUP_LEGS, type LegVerdictRow, type NewLegLink, type StoredLegLink } from '../store/leg_link_store.ts';
import { removeSource } from './cdr_orphans.ts';
import { legFactsNear, type CallLegs, type LegIndex } from './leg_calls.ts';

/**
 * Links the legs among these rows and their neighbours again and stores the result in place
 * of the links among them. Returns how many links stand (not undone) among them now.
 */
export function relinkRows(store: IndexStore, rowIds: Iterable<number>): number {
  const facts = legFactsNear(store, rowIds);
  if (facts.size === 0) return 0;
  const { links, undone } = linkLegs(
    [...facts].map(([key, f]) => ({ key, facts: f })),
    { undone: (a, b) => store.legLinks.undoneAt(a, b) !== null },
  );
  const callIdOf = (k: number): string => facts.get(k)!.callId;
  const rows: NewLegLink[] = [
    ...links.map((l) => ({ ...l, undoneAt: null })),
    ...undone.map((l) => ({ ...l, undoneAt: store.legLinks.undoneAt(callIdOf(l.from), callIdOf(l.to)) })),
  ];
  store.legLinks.replaceAmong([...facts.keys()], rows);
  return links.length;
}

/** Set by migration 10 on an index that already held calls: they have not been linked yet. */
export const LEG_LINKS_PENDING_KEY = 'legLinksPending';

/**
 * Links the calls indexed before migration 10, once, source by source (each in its own
 * transaction, so a large library never holds one long write). Returns the sources linked.
 */
export function relinkPendingLibrary(store: IndexStore): number {
  if (store.settings.get(LEG_LINKS_PENDING_KEY) === null) return 0;
  const sources = store.listSources().filter((s) => !s.format.startsWith('cdr:') && s.format !== 'agent_events');
  for (const s of sources) store.transaction(() => relinkSource(store, s.id));
  store.settings.delete(LEG_LINKS_PENDING_KEY);
  return sources.length;
}

/**
 * A source's calls are linked this many at a time (with their neighbours), so a capture of a
 * million calls never holds a million calls' facts at once. Calls are in import order (row
 * id), which follows capture time closely: the neighbours of a chunk (±60 s in the library,
 * the source's own other calls included) carry the links across its edges.
 */
export const RELINK_CHUNK = 20_000;

/** After a capture's calls are in: link them against the library. */
export function relinkSource(store: IndexStore, sourceId: number, chunk = RELINK_CHUNK): number {
  const ids = store.inputs.callRowIdsOfSource(sourceId);
  let links = 0;
  for (let i = 0; i < ids.length; i += chunk) links += relinkRows(store, ids.slice(i, i + chunk));
  return links;
}

/**
 * Removes a source (removeSource: its CDR rows find a call again) and links again the legs its
 * calls were linked to, in one transaction. Returns whether the source existed.
 */
export function removeSourceRelinked(store: IndexStore, sourceId: number, settings: DiagnosisSettings): boolean {
  return store.transaction(() => {
    if (store.getSource(sourceId) === null) return false;
    const own = new Set(store.inputs.callRowIdsOfSource(sourceId));
    const others = new Set<number>();
    for (const id of own) {
      for (const l of store.legLinks.touching(id)) {
        for (const end of [l.from, l.to]) if (!own.has(end)) others.add(end);
      }
    }
    removeSource(store, sourceId, settings);
    if (others.size > 0) relinkRows(store, others);
    return true;
  });
}

/** A call's end-to-end call as stored: its legs (row ids, in leg order), links and verdict. */
export interface StoredLegGroup extends CallLegs {
  /** The standing links, with their ids (to undo them). */
  links: StoredLegLink[];
  /** Heuristic links the user undid, from or to one of the legs (to redo them). */
  undone: StoredLegLink[];
  /** The legs as read (leg order), so a caller need not read them again. */
  details: CallDetail[];
}

/** Leg order: first INVITE first (else first message), then Call-ID, as leg_links.ts orders legs. */
const legOrder = (a: Pick<LegVerdictRow, 'id' | 'callId' | 'facts'>, b: Pick<LegVerdictRow, 'id' | 'callId' | 'facts'>): number => {
  const ta = a.facts.inviteUs ?? a.facts.startUs;
  const tb = b.facts.inviteUs ?? b.facts.startUs;
  return ta - tb || (a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : a.id - b.id);
};

function endToEndOf(details: readonly CallDetail[], links: readonly LegLink[]): EndToEndVerdict | null {
  if (details.length < 2) return null;
  return endToEndVerdict(
    details.map((d) => ({ callId: d.callId, facts: d.facts, verdict: d.verdict as Verdict | null })),
    minOf(links, (l) => l.confidence, 1),
  );
}

/**
 * The end-to-end call a row belongs to, walking the standing links from it (at most
 * MAX_GROUP_LEGS legs). A call of one leg gives one leg, no links and no end-to-end verdict
 * (and the heuristic links undone from it, if any). null when the row does not exist.
 */
export function storedLegGroup(store: IndexStore, rowId: number): StoredLegGroup | null {
  const first = store.getCall(rowId);
  if (!first) return null;
  const details = new Map<number, CallDetail>([[rowId, first]]);
  const links = new Map<number, StoredLegLink>();
  const undone = new Map<number, StoredLegLink>();
  const queue = [rowId];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const l of store.legLinks.touching(id)) {
      if (l.undoneAt !== null) {
        undone.set(l.id, l);
        continue;
      }
      links.set(l.id, l);
      for (const end of [l.from, l.to]) {
        if (details.has(end) || details.size >= MAX_GROUP_LEGS) continue;
        const d = store.getCall(end);
        if (!d) continue;
        details.set(end, d);
        queue.push(end);
      }
    }
  }
  const ordered = [...details.values()].sort(legOrder);
  const standing = [...links.values()].filter((l) => details.has(l.from) && details.has(l.to));
  return {
    legs: ordered.map((d) => d.id),
    links: standing,
    undone: [...undone.values()],
    details: ordered,
    endToEnd: endToEndOf(ordered, standing),
  };
}

/**
 * Every stored end-to-end call of the library (standing links only; with `onlyWith`, those
 * with a leg among these rows), as leg_calls.ts's
 * LegIndex: what endToEndSummaryInputs needs to count each end-to-end call once. Only the
 * legs of linked calls are read, once each, and only their facts and verdicts.
 */
export function storedLegIndex(store: IndexStore, onlyWith?: ReadonlySet<number>): LegIndex {
  const active = store.legLinks.allActive();
  const parent = new Map<number, number>();
  const root = (k: number): number => {
    let r = k;
    while ((parent.get(r) ?? r) !== r) r = parent.get(r)!;
    parent.set(k, r);
    return r;
  };
  for (const l of active) {
    const a = root(l.from);
    const b = root(l.to);
    if (a !== b) parent.set(b, a);
  }
  const members = new Map<number, number[]>();
  for (const k of parent.keys()) {
    const r = root(k);
    let list = members.get(r);
    if (!list) members.set(r, (list = []));
    list.push(k);
  }
  const linksOf = new Map<number, StoredLegLink[]>();
  for (const l of active) {
    const r = root(l.from);
    let list = linksOf.get(r);
    if (!list) linksOf.set(r, (list = []));
    list.push(l);
  }
  // `onlyWith`: just the end-to-end calls with a leg among these rows (a filtered summary).
  if (onlyWith) {
    for (const [r, keys] of members) if (!keys.some((k) => onlyWith.has(k))) members.delete(r);
  }
  // Every linked leg read once, without its messages (legVerdictRows).
  const rows = new Map(store.legLinks.legVerdictRows([...members.values()].flat()).map((l) => [l.id, l]));
  const byRow = new Map<number, CallLegs>();
  const callIdOf = new Map<number, string>();
  for (const [r, keys] of members) {
    const legs = keys.map((k) => rows.get(k)).filter((l): l is LegVerdictRow => l !== undefined).sort(legOrder);
    if (legs.length < 2) continue;
    const links = linksOf.get(r) ?? [];
    const entry: CallLegs = { legs: legs.map((l) => l.id), links, endToEnd: endToEndVerdict(legs, minOf(links, (l) => l.confidence, 1)) };
    for (const l of legs) {
      byRow.set(l.id, entry);
      callIdOf.set(l.id, l.callId);
    }
  }
  return { byRow, callIdOf };
}

/** Undo (or redo) a heuristic link; the undo is remembered by the pair's Call-IDs. */
export function setLegLinkUndone(store: IndexStore, linkId: number, undone: boolean, now = Date.now()): StoredLegLink | null {
  return store.transaction(() => {
    const l = store.legLinks.get(linkId);
    if (!l || l.method !== 'heuristic') return null;
    const a = store.storedFacts(l.from);
    const b = store.storedFacts(l.to);
    if (!a || !b) return null;
    store.legLinks.setUndone(linkId, [a.callId, b.callId], undone ? now : null);
    // A redone link joins two calls again; an undone one splits them, and nothing else changes.
    return store.legLinks.get(linkId);
  });
}
