// Bounds on what an archive may make us inflate and open (zip bombs and their cousins). One
// budget is shared by an archive and every archive nested in it, so nesting cannot multiply
// the bounds. Whatever a bound stops is named in one line; members read before it are kept.

export interface ArchiveLimits {
  /** Bytes all members of one archive (nested ones included) may inflate to in all. */
  maxTotalBytes: number;
  /** Members (files, links, directories) one archive and its nested archives may hold. */
  maxMembers: number;
  /**
   * Inflated bytes per compressed byte, for a deflate member or a gzip stream. Real captures
   * compress 2–20×; deflate itself cannot exceed about 1032×, so 200× is only crossed by data
   * built to be small (runs of one byte), which is what a bomb is.
   */
  maxRatio: number;
  /** Archives inside archives: 1 is the archive named by the user, 3 allows two levels inside. */
  maxDepth: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxTotalBytes: 20 * 1024 ** 3,
  maxMembers: 10_000,
  maxRatio: 200,
  maxDepth: 3,
};

/** Below this many inflated bytes the ratio is not judged: a small file of zeros is not a bomb. */
export const RATIO_SLACK = 1024 * 1024;

/**
 * A bound was crossed: the message names it. 'member': only that member stops (its ratio);
 * 'archive': the rest of the archive is not read (total size, member count, a gzip stream's ratio).
 */
export class ArchiveLimitError extends Error {
  constructor(message: string, readonly scope: 'member' | 'archive' = 'archive') {
    super(message);
  }
}

const size = (n: number): string => (n >= 1024 ** 3 ? `${+(n / 1024 ** 3).toFixed(1)} GiB` : n >= 1024 ** 2 ? `${+(n / 1024 ** 2).toFixed(1)} MiB` : `${n} bytes`);

export class ArchiveBudget {
  inflated = 0;
  members = 0;
  constructor(readonly limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS) {}

  /** Counts inflated bytes against the total bound. */
  addBytes(n: number): void {
    this.inflated += n;
    if (this.inflated > this.limits.maxTotalBytes) {
      throw new ArchiveLimitError(`archive inflates to more than ${size(this.limits.maxTotalBytes)} in all (zip-bomb bound on the total size); the rest is not read`);
    }
  }

  /** Checks one stream's inflated bytes against the compressed bytes it has consumed. */
  checkRatio(inflated: number, compressed: number, scope: 'member' | 'archive'): void {
    if (inflated > RATIO_SLACK && inflated > this.limits.maxRatio * Math.max(1, compressed)) {
      throw new ArchiveLimitError(`inflates more than ${this.limits.maxRatio}× its compressed size (zip-bomb bound on the ratio); stopped after ${size(inflated)}`, scope);
    }
  }

  /** Counts one member; false once the bound is reached (the caller stops listing members). */
  addMember(): boolean {
    this.members++;
    return this.members <= this.limits.maxMembers;
  }

  memberLimitMessage(): string {
    return `more than ${this.limits.maxMembers} members (zip-bomb bound on the member count); the rest is not read`;
  }
}
