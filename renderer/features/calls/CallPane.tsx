// The open call, beside or below the list. The per-call views (ladder, timeline, verdict) are
// another engineer's renderer/features/call/CallView.tsx; it is picked up with import.meta.glob
// so this file compiles and runs before it exists (a placeholder says it is loading) and uses
// it as soon as it lands, with no edit here. eager: bundled in the main chunk, no lazy load.
import { Component, type ComponentType, type ErrorInfo, type ReactNode } from 'react';
import type { CalltraceClient } from '../../../shared/api/contract.ts';
import { openCall, setCallLayout, useApp } from '../../state/app_store.ts';

export interface CallViewProps {
  client: CalltraceClient;
  callId: number;
}

const modules = import.meta.glob<{ CallView?: ComponentType<CallViewProps> }>('../call/CallView.tsx', { eager: true });
const CallView: ComponentType<CallViewProps> | null = Object.values(modules)[0]?.CallView ?? null;

/** A failure inside the call view must not take the call list down with it. */
class CallViewBoundary extends Component<{ callId: number; children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error): { error: Error } {
    return { error };
  }
  override componentDidUpdate(prev: { callId: number }): void {
    if (prev.callId !== this.props.callId && this.state.error) this.setState({ error: null });
  }
  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('call view failed', error, info.componentStack);
  }
  override render(): ReactNode {
    if (this.state.error)
      return (
        <div className="state state-error" role="alert">
          <div className="state-title">This call could not be drawn</div>
          <div className="state-body mono small">{this.state.error.message}</div>
        </div>
      );
    return this.props.children;
  }
}

export function CallPane({ client }: { client: CalltraceClient }) {
  const callId = useApp((s) => s.openCallId);
  const layout = useApp((s) => s.callLayout);
  if (callId === null) return null;
  return (
    <section className="call-pane" aria-label="Call">
      <div className="call-pane-bar">
        <span className="muted small">Call #{callId}</span>
        <span className="call-pane-spacer" />
        <button type="button" className="btn-icon" title={layout === 'below' ? 'Show beside the list' : 'Show below the list'} onClick={() => setCallLayout(layout === 'below' ? 'beside' : 'below')}>
          {layout === 'below' ? '◫' : '⬓'}
        </button>
        <button type="button" className="btn-icon" title="Close (Esc in the list)" aria-label="Close the call" onClick={() => openCall(null)}>
          ×
        </button>
      </div>
      <div className="call-pane-body">
        {CallView ? (
          <CallViewBoundary callId={callId}>
            <CallView key={callId} client={client} callId={callId} />
          </CallViewBoundary>
        ) : (
          <div className="state state-loading" role="status" data-testid="call-view-placeholder">
            <span className="spinner" aria-hidden="true" /> The call view is loading…
          </div>
        )}
      </div>
    </section>
  );
}
