// What the drop zone and the file picker take. The back end recognises files by their content
// (README: never by name), so the extension list only keeps obviously unrelated files (a
// screenshot dropped by mistake) from being uploaded; it is not how a format is chosen.

export const ACCEPTED_EXTENSIONS = ['.pcap', '.pcapng', '.cap', '.gz', '.csv', '.json', '.jsonl', '.zip', '.tar', '.tgz'] as const;

/** For <input accept>. */
export const ACCEPT_ATTRIBUTE = ACCEPTED_EXTENSIONS.join(',');

export function isAcceptedName(name: string): boolean {
  const lower = name.toLowerCase();
  return ACCEPTED_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** A dropped folder is taken whatever its name: the back end imports what is in it. */
export function partitionByName<T extends { name: string }>(files: readonly T[], isFolder: (f: T) => boolean = () => false): { accepted: T[]; rejected: T[] } {
  const accepted: T[] = [];
  const rejected: T[] = [];
  for (const f of files) (isFolder(f) || isAcceptedName(f.name) ? accepted : rejected).push(f);
  return { accepted, rejected };
}
