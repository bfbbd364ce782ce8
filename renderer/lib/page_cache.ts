// Pages of the call list, fetched by offset/limit and kept in a small LRU. The table asks for
// the rows it is about to draw; only the pages under the viewport (plus overscan) are ever
// requested, so 100 000 calls cost a few hundred rows of memory, not the whole index.
//
// Keyset paging (issue 13): a page next to a loaded page of the same data is asked for as
// "the rows after that page's last row" (or "before the next page's first row"), which the
// back end answers with one index seek at any depth. Only a page with no loaded neighbour —
// a jump, the scrollbar dragged to an arbitrary row — is asked for by offset, whose cost
// grows with the depth (an index walk to the row). Every loaded page is thus an anchor:
// scrolling on from a jump target is constant-time again.
//
// A text search matching many calls answers its pages with a lower bound of the total
// (totalExact false): the list is sized to the bound at once, and to the exact count when
// setExactTotal brings it (exact_count.ts asks for it, step by step).
//
// A new query (filter or sort changed, or the library changed) bumps the generation: answers
// to older requests are dropped when they arrive, so a slow page can never paint rows of a
// previous filter into the current one.

export interface Page<T> {
  /** A lower bound when totalExact is false (a text search matching many calls). */
  total: number;
  /** Absent: exact. */
  totalExact?: boolean;
  rows: T[];
}

/** A loaded row next to the page asked for: its rows come right after `after` or right before `before`. */
export interface PageNeighbour<T> {
  after?: T;
  before?: T;
}

export type PageFetcher<T> = (offset: number, limit: number, near?: PageNeighbour<T>) => Promise<{ ok: true; value: Page<T> } | { ok: false; error: { message: string } }>;

export interface PageCacheOptions {
  pageSize: number;
  /** Pages kept; the least recently used beyond it are forgotten (re-fetched when seen again). */
  maxPages: number;
}

export class PageCache<T> {
  private pages = new Map<number, T[]>();
  private inFlight = new Set<number>();
  /** Pages still shown but from before a refresh: re-fetched when next needed. */
  private stale = new Set<number>();
  private generation = 0;
  private fetcher: PageFetcher<T>;
  /** null until the first page of this query answered. */
  total: number | null = null;
  /** False while `total` is a lower bound (see setExactTotal). */
  totalExact = true;
  /** The generation whose lower bound `total` holds (a bound of older data is not kept). */
  private boundOf = -1;
  /** The generation whose exact count arrived (setExactTotal): its pages' bounds are ignored. */
  private countedOf = -1;
  error: string | null = null;

  constructor(
    fetcher: PageFetcher<T>,
    private readonly options: PageCacheOptions,
    private readonly onChange: () => void,
  ) {
    this.fetcher = fetcher;
  }

  get pageSize(): number {
    return this.options.pageSize;
  }

  /** Starts a new query: forgets every page; `keepTotal` avoids the list collapsing while it reloads. */
  reset(fetcher?: PageFetcher<T>, keepTotal = false): void {
    if (fetcher) this.fetcher = fetcher;
    this.generation++;
    this.pages.clear();
    this.inFlight.clear();
    this.stale.clear();
    if (!keepTotal) {
      this.total = null;
      this.totalExact = true;
    }
    this.error = null;
  }

  /** The current query's generation: what setExactTotal and raiseTotal are given back. */
  get currentGeneration(): number {
    return this.generation;
  }

  /** The exact total of the query of `generation` (ignored when a newer query started since). */
  setExactTotal(total: number, generation: number): void {
    if (generation !== this.generation) return;
    this.total = total;
    this.totalExact = true;
    this.countedOf = generation;
    this.onChange();
  }

  /** A count under way has found more calls than the bound: the list grows to them. */
  raiseTotal(atLeast: number, generation: number): void {
    if (generation !== this.generation || this.totalExact || this.total === null || atLeast <= this.total) return;
    this.total = atLeast;
    this.onChange();
  }

  /**
   * Same query, new data (the library changed: an import added calls). The rows on screen
   * stay until their fresh page arrives, so the list does not blink during a long import.
   */
  refresh(): void {
    this.generation++;
    this.inFlight.clear();
    this.stale = new Set(this.pages.keys());
  }

  /** The row at an index, or undefined while its page is not loaded (recency is kept by ensure). */
  get(index: number): T | undefined {
    if (this.total !== null && index >= this.total) return undefined;
    const p = Math.floor(index / this.options.pageSize);
    return this.pages.get(p)?.[index - p * this.options.pageSize];
  }

  has(page: number): boolean {
    return this.pages.has(page);
  }

  /** Fetches the missing pages covering rows [start, end); resolves when they have answered. */
  async ensure(start: number, end: number): Promise<void> {
    const size = this.options.pageSize;
    const wanted: number[] = [];
    const last = Math.max(start, end - 1);
    for (let p = Math.floor(Math.max(0, start) / size); p <= Math.floor(last / size); p++) {
      if (this.pages.has(p)) this.touch(p, this.pages.get(p)!);
      if ((!this.pages.has(p) || this.stale.has(p)) && !this.inFlight.has(p)) wanted.push(p);
    }
    // The very first page is fetched even for an empty window: it is what tells us the total.
    if (this.total === null && wanted.length === 0 && !this.pages.has(0) && !this.inFlight.has(0)) wanted.push(0);
    await Promise.all(wanted.map((p) => this.load(p)));
  }

  private async load(p: number): Promise<void> {
    const gen = this.generation;
    this.inFlight.add(p);
    let res: Awaited<ReturnType<PageFetcher<T>>>;
    try {
      res = await this.fetcher(p * this.options.pageSize, this.options.pageSize, this.neighbour(p));
    } catch (e) {
      res = { ok: false, error: { message: e instanceof Error ? e.message : String(e) } };
    }
    if (gen !== this.generation) return; // an answer to a previous query
    this.inFlight.delete(p);
    if (!res.ok) {
      this.error = res.error.message;
    } else {
      this.error = null;
      this.takeTotal(res.value, gen);
      this.stale.delete(p);
      this.pages.delete(p);
      this.pages.set(p, res.value.rows);
      this.evict();
    }
    this.onChange();
  }

  private takeTotal(page: Page<T>, gen: number): void {
    if (page.totalExact !== false) {
      this.total = page.total;
      this.totalExact = true;
    } else if (this.countedOf !== gen) {
      // Bounds of the same data only grow (a later page may have counted past the first one's).
      this.total = this.boundOf === gen && this.total !== null ? Math.max(this.total, page.total) : page.total;
      this.totalExact = false;
      this.boundOf = gen;
    }
  }

  /** A fresh, full loaded page beside p, as a cursor for it (undefined: fetch by offset). */
  private neighbour(p: number): PageNeighbour<T> | undefined {
    const size = this.options.pageSize;
    const prev = this.stale.has(p - 1) ? undefined : this.pages.get(p - 1);
    if (prev && prev.length === size) return { after: prev[size - 1] };
    const next = this.stale.has(p + 1) ? undefined : this.pages.get(p + 1);
    if (next && next.length > 0) return { before: next[0] };
    return undefined;
  }

  private touch(p: number, page: T[]): void {
    // Map keeps insertion order: re-inserting makes it the most recently used.
    this.pages.delete(p);
    this.pages.set(p, page);
  }

  private evict(): void {
    while (this.pages.size > this.options.maxPages) {
      const oldest = this.pages.keys().next().value as number;
      this.pages.delete(oldest);
      this.stale.delete(oldest);
    }
  }

  /** Loaded page numbers, oldest first (for tests and the status line). */
  loadedPages(): number[] {
    return [...this.pages.keys()];
  }
}
