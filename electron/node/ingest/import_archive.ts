// Imports what a path holds: a plain input (importFile), or an archive whose members are each
// imported as a source of their own — named `outer.zip!inner/path.pcap`, hashed on their own
// (decompressed) bytes, so importing the archive again finds every member a duplicate, as would
// importing the member alone. Archives inside archives are opened too, within the bounds of
// archive_limits.ts. Members that are no input are listed as skipped with the reason; a damaged
// member or archive is one line naming it, and every member read before the damage is kept.

import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ArchiveBudget, type ArchiveLimits } from './archive_limits.ts';
import { readArchive, sniffArchive, type ArchiveKind } from './archive_reader.ts';
import type { ImportOptions } from './import_capture.ts';
import { importFile, isUnrecognised, type AnyOutcome } from './import_file.ts';
import type { InputImportOptions } from './import_inputs.ts';
import type { SkippedInput } from './input_paths.ts';
import { makeTempDir } from './temp_dirs.ts';
import type { IndexStore } from '../store/index_store.ts';

export interface InputProblem {
  name: string;
  path: string;
  error: string;
}

export interface PathResult {
  /** One per source attempted: the file itself, or each input member of an archive. */
  outcomes: AnyOutcome[];
  /** Archive members that are no input (or were not opened), with the reason. */
  skipped: SkippedInput[];
  /** Damage to an archive or to a member whose readable part was imported, one line each. */
  problems: InputProblem[];
}

export interface PathImportOptions extends ImportOptions, InputImportOptions {
  archiveLimits?: ArchiveLimits;
  /** Where members are staged while they are imported (default: the OS temp directory). */
  tempDir?: string;
  /** Called as each member's import ends (the app's progress). */
  onOutcome?: (o: AnyOutcome) => void;
}

const LABEL: Record<ArchiveKind, string> = { zip: 'zip', tar: 'tar', 'tar.gz': 'tar.gz' };

export async function importPath(store: IndexStore, path: string, opts: PathImportOptions = {}): Promise<PathResult> {
  const res: PathResult = { outcomes: [], skipped: [], problems: [] };
  let kind: ArchiveKind | null = null;
  try {
    kind = sniffArchive(path);
  } catch {
    // unreadable: importFile names the problem
  }
  if (kind === null) {
    const o = await importFile(store, path, opts);
    opts.onOutcome?.(o);
    res.outcomes.push(o);
    return res;
  }
  const { archiveLimits, tempDir, onOutcome, ...importOpts } = opts;
  const budget = new ArchiveBudget(archiveLimits);
  const maxDepth = budget.limits.maxDepth;
  // Swept by a later run if this one is killed before its finally (temp_dirs.ts).
  const staging = makeTempDir('archive', tempDir);
  let seq = 0;
  const newTemp = (): string => join(staging, `member-${++seq}`);

  const walk = async (file: string, shown: { path: string; name: string }, k: ArchiveKind, depth: number): Promise<void> => {
    const problem = await readArchive(file, k, budget, newTemp, async (m) => {
      const inner = { path: `${shown.path}!${m.name}`, name: `${shown.name}!${m.name}` };
      if (m.file === null) {
        res.skipped.push({ ...inner, reason: m.skipped ?? 'not read' });
        return;
      }
      const damaged = (): void => void (m.damage && res.problems.push({ ...inner, error: `${m.damage}; what was read is imported` }));
      const nested = sniffArchive(m.file);
      if (nested !== null) {
        if (depth >= maxDepth) {
          res.skipped.push({ ...inner, reason: `an archive nested ${depth + 1} deep (zip-bomb bound on nesting: ${maxDepth}); not opened` });
          return;
        }
        damaged();
        await walk(m.file, inner, nested, depth + 1);
        return;
      }
      const o = await importFile(store, m.file, { ...importOpts, as: inner, damage: m.damage && `member ${m.damage}` });
      if (isUnrecognised(o)) {
        // A damaged member of which nothing recognisable was read is skipped for its damage.
        res.skipped.push({ ...inner, reason: m.damage ? `${m.damage}; nothing usable was read` : (o.error ?? 'not an input') });
        return;
      }
      onOutcome?.(o);
      res.outcomes.push(o);
      // A capture carries the damage as its own error (status partial): not said twice.
      if (!m.damage || !(o.error ?? '').includes(m.damage)) damaged();
    }, importOpts.shouldStop);
    if (problem) res.problems.push({ ...shown, error: `${LABEL[k]}: ${problem}` });
  };
  try {
    await walk(path, { path, name: basename(path) }, kind, 1);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return res;
}
