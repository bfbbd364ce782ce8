import type { ClientHandle } from '../../api/client.ts';
import { useApp } from '../../state/app_store.ts';
import { CallPane } from './CallPane.tsx';
import { CallsTable } from './CallsTable.tsx';
import { FilterBar } from './FilterBar.tsx';

export function CallsView({ handle }: { handle: ClientHandle }) {
  const open = useApp((s) => s.openCallId !== null);
  const layout = useApp((s) => s.callLayout);
  return (
    <div className={`calls-view ${open ? `calls-with-call calls-${layout}` : ''}`}>
      <div className="calls-list">
        <FilterBar />
        <CallsTable handle={handle} />
      </div>
      <CallPane client={handle.client} />
    </div>
  );
}
