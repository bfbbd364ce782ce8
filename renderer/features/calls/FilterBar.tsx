// Filters of the call list: free text (numbers, Call-ID; debounced so typing does not fire a
// query per key), buckets, cause, final code, peer and time range. What is active is repeated
// as chips, each removable, so a filtered list never passes for the whole library.
import { useEffect, useRef, useState } from 'react';
import { BUCKET_KEYS, bucketKeyToFilter, filterChips, formatStatusList, localInputToUs, parseStatusList, toggleIn, usToLocalInput, withoutPart } from '../../lib/call_filter.ts';
import { bucketFull, bucketShort, bucketVar } from '../../lib/bucket_labels.ts';
import { formatCount } from '../../lib/format.ts';
import { FIXED_CAUSE_KEYS } from '../../../shared/diagnosis/buckets.ts';
import { clearFilter, ensureSummary, patchFilter, setFilter, useApp } from '../../state/app_store.ts';

const SEARCH_DEBOUNCE_MS = 250;

function SearchBox() {
  const text = useApp((s) => s.filter.text ?? '');
  const focusToken = useApp((s) => s.focusSearchToken);
  const [value, setValue] = useState(text);
  const input = useRef<HTMLInputElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  // The filter changed elsewhere (a chip removed, the dashboard): show it.
  useEffect(() => setValue(text), [text]);
  useEffect(() => {
    if (focusToken) {
      input.current?.focus();
      input.current?.select();
    }
  }, [focusToken]);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  const commit = (v: string, delay: number): void => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => patchFilter({ text: v }), delay);
  };
  return (
    <div className="search">
      <input
        ref={input}
        type="search"
        className="input search-input"
        placeholder="Search numbers or Call-ID"
        aria-label="Search numbers or Call-ID (press / to focus)"
        data-testid="search-input"
        value={value}
        spellCheck={false}
        onChange={(e) => {
          setValue(e.target.value);
          commit(e.target.value, SEARCH_DEBOUNCE_MS);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            if (value) {
              setValue('');
              commit('', 0);
            } else input.current?.blur();
          } else if (e.key === 'Enter') commit(value, 0);
          else if (e.key === 'ArrowDown') {
            // From the search straight into the results.
            e.preventDefault();
            commit(value, 0);
            document.querySelector<HTMLElement>('[data-testid="calls-table"]')?.focus();
          }
        }}
      />
      <kbd className="search-kbd" aria-hidden="true">
        /
      </kbd>
    </div>
  );
}

function StatusInput() {
  const codes = useApp((s) => s.filter.finalStatuses);
  const [value, setValue] = useState(formatStatusList(codes));
  const [invalid, setInvalid] = useState<string[]>([]);
  useEffect(() => setValue(formatStatusList(codes)), [codes]);
  const apply = (): void => {
    const r = parseStatusList(value);
    setInvalid(r.invalid);
    if (!r.invalid.length) patchFilter({ finalStatuses: r.codes });
  };
  return (
    <label className="field-inline" title="Final SIP codes, e.g. 486, 503 or 5xx">
      <span>Final</span>
      <input
        className={`input input-narrow${invalid.length ? ' input-invalid' : ''}`}
        placeholder="486, 5xx"
        value={value}
        aria-invalid={invalid.length > 0}
        onChange={(e) => setValue(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => e.key === 'Enter' && apply()}
        data-testid="filter-final"
      />
      {invalid.length > 0 && <span className="danger small">not a SIP code: {invalid.join(', ')}</span>}
    </label>
  );
}

function PeerInput({ peers, onFocus }: { peers: string[]; onFocus: () => void }) {
  const peer = useApp((s) => s.filter.peer ?? '');
  const [value, setValue] = useState(peer);
  useEffect(() => setValue(peer), [peer]);
  return (
    <label className="field-inline">
      <span>Peer</span>
      <input
        className="input input-narrow"
        list="peer-options"
        placeholder="any"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onFocus={onFocus}
        onBlur={() => patchFilter({ peer: value })}
        onKeyDown={(e) => e.key === 'Enter' && patchFilter({ peer: value })}
        data-testid="filter-peer"
      />
      <datalist id="peer-options">
        {peers.map((p) => (
          <option key={p} value={p} />
        ))}
      </datalist>
    </label>
  );
}

function TimeInput({ part, label }: { part: 'fromUs' | 'toUs'; label: string }) {
  const us = useApp((s) => s.filter[part]);
  return (
    <label className="field-inline" title="UTC, like every time in the app">
      <span>{label}</span>
      <input
        type="datetime-local"
        step={1}
        className="input input-time"
        value={usToLocalInput(us)}
        onChange={(e) => patchFilter({ [part]: localInputToUs(e.target.value) })}
        data-testid={`filter-${part === 'fromUs' ? 'from' : 'to'}`}
      />
    </label>
  );
}

export function FilterBar() {
  const filter = useApp((s) => s.filter);
  const summary = useApp((s) => s.summary.value);
  const summaryLoading = useApp((s) => s.summary.state === 'loading');
  // The summary (cause and peer choices with their counts) is fetched only when a choice is
  // about to be made: on 100 000 calls it costs the back end seconds, and the list's first
  // page must not wait behind it. Until then the fixed cause keys are offered.
  const wantSummary = (): void => void ensureSummary();
  const buckets = filter.buckets ?? [];
  const causes = summary?.byCause ?? FIXED_CAUSE_KEYS.map((cause) => ({ cause, count: null as number | null }));
  const peers = (summary?.byPeer ?? []).map((p) => p.peer).filter(Boolean);
  const chips = filterChips(filter, { bucket: (b) => (b === 0 ? bucketFull('none') : bucketShort(String(b) as '1')) });

  return (
    <div className="filters" role="search">
      <div className="filters-row">
        <SearchBox />
        <div className="bucket-toggles" role="group" aria-label="Buckets">
          {BUCKET_KEYS.map((k) => {
            const b = bucketKeyToFilter(k);
            const on = buckets.includes(b);
            const n = summary?.buckets[k];
            return (
              <button
                key={k}
                type="button"
                className={`bucket-toggle${on ? ' on' : ''}`}
                aria-pressed={on}
                style={{ ['--chip' as string]: bucketVar(k) }}
                title={`${k === 'none' ? '' : `Bucket ${k}: `}${bucketFull(k)}${n !== undefined ? ` — ${formatCount(n)} calls` : ''}`}
                data-testid="bucket-filter"
                data-bucket={k}
                onClick={() => patchFilter({ buckets: toggleIn(buckets, b) })}
              >
                {k === 'none' ? '–' : k}
              </button>
            );
          })}
        </div>
        <label className="field-inline">
          <span>Cause</span>
          <select
            className="input"
            value={filter.causes?.length === 1 ? filter.causes[0] : filter.causes?.length ? '__many' : ''}
            onChange={(e) => patchFilter({ causes: e.target.value ? [e.target.value] : [] })}
            onFocus={wantSummary}
            onPointerDown={wantSummary}
            data-testid="filter-cause"
          >
            <option value="">any</option>
            {filter.causes && filter.causes.length > 1 && <option value="__many">{filter.causes.length} causes</option>}
            {causes.map((c) => (
              <option key={c.cause} value={c.cause}>
                {c.cause}
                {c.count !== null && ` (${formatCount(c.count)})`}
              </option>
            ))}
            {!summary && summaryLoading && <option disabled>counting causes…</option>}
            {filter.causes?.length === 1 && !causes.some((c) => c.cause === filter.causes![0]) && <option value={filter.causes[0]}>{filter.causes[0]}</option>}
          </select>
        </label>
      </div>
      <div className="filters-row">
        <StatusInput />
        <PeerInput peers={peers} onFocus={wantSummary} />
        <TimeInput part="fromUs" label="From (UTC)" />
        <TimeInput part="toUs" label="Before (UTC)" />
        <label className="field-inline" title="REGISTER, OPTIONS, SUBSCRIBE… dialogs are not calls and are hidden by default">
          <input type="checkbox" checked={!!filter.includeOther} onChange={(e) => patchFilter({ includeOther: e.target.checked })} />
          <span>Other dialogs</span>
        </label>
        <label className="field-inline" title="A call through a B2BUA (PBX, SBC) is several dialogs with different Call-IDs: show each end-to-end call as one row, its legs under it">
          <input type="checkbox" checked={!!filter.groupLegs} onChange={(e) => patchFilter({ groupLegs: e.target.checked })} data-testid="group-legs" />
          <span>Group legs</span>
        </label>
        <div className="chips" aria-label="Active filters">
          {chips.map((c) => (
            <button key={c.part} type="button" className="filter-chip" title="Remove this filter" onClick={() => setFilter(withoutPart(filter, c.part))}>
              {c.label} <span aria-hidden="true">×</span>
            </button>
          ))}
          {chips.length > 1 && (
            <button type="button" className="link small" onClick={clearFilter}>
              Clear all
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
