// What the drop zone and the file picker take. The back end recognises files by their content
// (README: never by name), so the extension list only keeps obviously unrelated files (a
// screenshot dropped by mistake) from being uploaded; it is not how a format is chosen.

export const ACCEPTED_EXTENSIONS = ['.pcap', '.pcapng', '.cap', '.gz', '.csv', '.json', '.jsonl'] as const;

/** For <input accept>. */
export const ACCEPT_ATTRIBUTE = ACCEPTED_EXTENSIONS.join(',');

export function isAcceptedName(name: string): boolean {
  const lower = name.toLowerCase();
  return ACCEPTED_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

export function partitionByName<T extends { name: string }>(files: readonly T[]): { accepted: T[]; rejected: T[] } {
  const accepted: T[] = [];
  const rejected: T[] = [];
  for (const f of files) (isAcceptedName(f.name) ? accepted : rejected).push(f);
  return { accepted, rejected };
}
