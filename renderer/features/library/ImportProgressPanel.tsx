// Imports in progress, from the 'importProgress' events: for each running job the file being
// read, bytes, packets, calls found, rate, and Cancel. Finished jobs fold into one summary
// line (dropping 30 files must not push the list off the screen); a failed file stays, with
// its name and the back end's one-line reason, until dismissed.
import { useState } from 'react';
import { formatBytes, formatCount, formatRate } from '../../lib/format.ts';
import { jobFraction, jobTotals, type JobView } from '../../lib/import_jobs.ts';
import { cancelImport, dismissFinishedImports, dismissImport, useApp } from '../../state/app_store.ts';

const STATE_TEXT: Record<string, string> = {
  running: 'reading',
  done: 'imported',
  failed: 'failed',
  cancelled: 'cancelled',
  duplicate: 'already in the library (same bytes)',
};

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

function RunningJob({ job }: { job: JobView }) {
  const c = job.current;
  const totals = jobTotals(job);
  const pct = Math.round(jobFraction(job) * 100);
  return (
    <div className="job" data-state="running">
      <div className="job-head">
        <span className="spinner" aria-hidden="true" />
        <span className="job-title">
          Importing <span className="mono">{c.file}</span>
        </span>
        {job.fileCount > 1 && (
          <span className="muted">
            file {c.fileIndex + 1} of {job.fileCount}
          </span>
        )}
        <span className="job-stats">
          {c.totalBytes > 0 && (
            <span>
              {formatBytes(c.bytesRead)} of {formatBytes(c.totalBytes)}
            </span>
          )}
          <span>{plural(totals.packets, 'packet')}</span>
          <span>{plural(totals.calls, 'call')} found</span>
          {c.rate > 0 && <span>{formatRate(c.rate)}</span>}
        </span>
        <span className="job-spacer" />
        <button type="button" className="btn btn-small" disabled={job.cancelling} onClick={() => void cancelImport(job.jobId)}>
          {job.cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={`${c.file} import`}>
        <div className="progress-bar" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

function Finished({ jobs }: { jobs: JobView[] }) {
  const [open, setOpen] = useState(false);
  const files = jobs.flatMap((j) => j.files);
  const ok = files.filter((f) => f.state === 'done');
  const dup = files.filter((f) => f.state === 'duplicate').length;
  const cancelled = files.filter((f) => f.state === 'cancelled').length;
  const calls = ok.reduce((n, f) => n + f.callsFound, 0);
  const packets = ok.reduce((n, f) => n + f.packets, 0);
  const warnings = ok.filter((f) => f.message);
  return (
    <div className="job job-done" data-state="finished">
      <div className="job-head">
        <span className="ok" aria-hidden="true">
          ✓
        </span>
        <span className="job-title">Imported {plural(ok.length, 'file')}</span>
        <span className="job-stats">
          <span>{plural(calls, 'call')}</span>
          <span>{plural(packets, 'packet')}</span>
          {dup > 0 && <span>{plural(dup, 'file')} already in the library</span>}
          {cancelled > 0 && <span>{plural(cancelled, 'file')} cancelled</span>}
          {warnings.length > 0 && <span className="warn">{plural(warnings.length, 'file')} with warnings</span>}
        </span>
        <span className="job-spacer" />
        <button type="button" className="link small" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide files' : 'Show files'}
        </button>
        <button type="button" className="btn-icon" aria-label="Dismiss" onClick={dismissFinishedImports}>
          ×
        </button>
      </div>
      {open && (
        <ul className="job-files">
          {files.map((f) => (
            <li key={`${f.jobId}/${f.fileIndex}`} className={`job-file job-file-${f.state}`}>
              <span className="mono">{f.file}</span> — {STATE_TEXT[f.state] ?? f.state}
              {f.state === 'done' && `, ${plural(f.callsFound, 'call')}, ${plural(f.packets, 'packet')}`}
              {f.message && <span className={f.state === 'failed' ? 'job-error' : 'muted'}> · {f.message}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function ImportProgressPanel() {
  const jobs = useApp((s) => s.jobs);
  const uploading = useApp((s) => s.uploading);
  const list = Object.values(jobs);
  const running = list.filter((j) => !j.finished);
  const finished = list.filter((j) => j.finished);
  const failures = finished.flatMap((j) => j.failures.map((f) => ({ job: j.jobId, f })));
  if (!list.length && !uploading.length) return null;
  return (
    <section className="imports" data-testid="import-progress" aria-label="Imports" aria-live="polite">
      {uploading.length > 0 && (
        <div className="job" data-state="uploading">
          <div className="job-head">
            <span className="spinner" aria-hidden="true" />
            <span className="job-title">
              Sending {uploading.length === 1 ? <span className="mono">{uploading[0]}</span> : plural(uploading.length, 'file')} to the back end…
            </span>
          </div>
        </div>
      )}
      {running.map((j) => (
        <RunningJob key={j.jobId} job={j} />
      ))}
      {failures.map(({ job, f }) => (
        <div key={`${job}/${f.fileIndex}`} className="job job-failed" role="alert" data-state="failed">
          <div className="job-head">
            <span className="danger" aria-hidden="true">
              ✗
            </span>
            <span className="job-title">
              <span className="mono">{f.file}</span> could not be imported
            </span>
            {/* The back end's message often starts with the file name, which is already said. */}
            <span className="job-error">{f.message ? f.message.replace(`${f.file}: `, '') : 'no reason given'}</span>
            <span className="job-spacer" />
            <button type="button" className="btn-icon" aria-label="Dismiss" onClick={() => dismissImport(job)}>
              ×
            </button>
          </div>
        </div>
      ))}
      {finished.some((j) => j.files.some((f) => f.state !== 'failed')) && <Finished jobs={finished} />}
    </section>
  );
}
