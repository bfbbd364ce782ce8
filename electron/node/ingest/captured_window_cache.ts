// The numbers-and-time join of a CDR import, read a minute of captured calls at a time.
//
// Each CDR row looks for captured calls starting within ±JOIN_WINDOW_MS of it. Asking SQLite
// once per row cost one statement (about 5 µs) per row, a quarter of a daily export's import.
// The rows of an export come in time order, or nearly, so consecutive rows ask for nearly the
// same window. Here the captured calls are read by slot (a slot is one join window wide, so a
// row's window spans at most three slots), each slot once while it stays in use, and a row's
// window is cut out of the slots in memory.
//
// Valid for one CDR import only: the import is one write transaction on the only writing
// connection, and it adds CDR-only calls, never captured ones, so the captured calls in a slot
// cannot change while the cache lives. Memory is bounded: at most MAX_SLOTS slots are kept
// (the one read longest ago goes first), and a slot holding more than MAX_SLOT_CALLS captured
// calls is not kept at all (its windows are asked of SQLite as before).

import type { IndexStore } from '../store/index_store.ts';
import type { JoinCandidate } from '../store/input_store.ts';

/** Slots kept: a file in time order uses three at a time; the rest absorbs rows out of order. */
const MAX_SLOTS = 16;
/** A busier slot (a capture of many calls per minute) is read per row, not kept. */
const MAX_SLOT_CALLS = 20_000;

export class CapturedWindowCache {
  private readonly slots = new Map<number, JoinCandidate[] | null>();
  /** Statements run (slot reads plus direct window reads): what the scaling test counts. */
  reads = 0;

  constructor(
    private readonly store: IndexStore,
    private readonly slotUs: number,
    private readonly maxSlotCalls = MAX_SLOT_CALLS,
  ) {}

  /** Captured calls starting in [fromUs, toUs] (both ends included, as the SQL BETWEEN), in index order. */
  between(fromUs: number, toUs: number): JoinCandidate[] {
    const first = Math.floor(fromUs / this.slotUs);
    const last = Math.floor(toUs / this.slotUs);
    // Not a window this cache was made for (or a time so large the slot is not exact): ask SQLite.
    if (last - first > 2 || !Number.isSafeInteger(first) || !Number.isSafeInteger(last)) return this.direct(fromUs, toUs);
    const out: JoinCandidate[] = [];
    for (let k = first; k <= last; k++) {
      const slot = this.slot(k);
      if (slot === null) return this.direct(fromUs, toUs);
      for (const c of slot) if (c.startUs >= fromUs && c.startUs <= toUs) out.push(c);
    }
    return out;
  }

  private direct(fromUs: number, toUs: number): JoinCandidate[] {
    this.reads++;
    return this.store.inputs.capturedCallsBetween(fromUs, toUs);
  }

  /** The captured calls of slot k (null when there are too many to keep). */
  private slot(k: number): JoinCandidate[] | null {
    const hit = this.slots.get(k);
    if (hit !== undefined) return hit;
    this.reads++;
    const calls = this.store.inputs.capturedCallsInSlot(k * this.slotUs, (k + 1) * this.slotUs, this.maxSlotCalls + 1);
    const kept = calls.length > this.maxSlotCalls ? null : calls;
    // The slot read longest ago goes first (a Map iterates in insertion order). For rows in
    // time order that is the least recently used one; rows out of order at worst read a slot again.
    if (this.slots.size >= MAX_SLOTS) this.slots.delete(this.slots.keys().next().value as number);
    this.slots.set(k, kept);
    return kept;
  }
}
