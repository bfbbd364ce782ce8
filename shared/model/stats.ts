// Malformed or skipped input is counted in named statistics, never thrown (Perfetto's
// approach): the counts reach the user per source file, and the index keeps them.

export type Severity = 'info' | 'warning' | 'error';

export interface Stat {
  key: string;
  severity: Severity;
  description: string;
  count: number;
  /** First frame where it happened, when it is tied to a frame. */
  firstFrame?: number;
}

export class Stats {
  private readonly byKey = new Map<string, Stat>();

  add(key: string, severity: Severity, description: string, frame?: number, n = 1): void {
    const s = this.byKey.get(key);
    if (s) {
      s.count += n;
      if (s.firstFrame === undefined && frame !== undefined) s.firstFrame = frame;
      return;
    }
    this.byKey.set(key, { key, severity, description, count: n, ...(frame !== undefined ? { firstFrame: frame } : {}) });
  }

  get(key: string): number {
    return this.byKey.get(key)?.count ?? 0;
  }

  list(): Stat[] {
    return [...this.byKey.values()];
  }
}
