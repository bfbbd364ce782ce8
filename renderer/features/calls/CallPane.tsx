// The open call, beside or below the list. The per-call views (ladder, timeline, verdict:
// renderer/features/call/CallView.tsx, with d3) are a chunk of their own, loaded when a call
// is first opened (or ahead of that, once the list is on screen): the call list, what the app
// opens on, then parses and compiles only what it draws (issue 13: first paint).
import { Component, Suspense, lazy, type ErrorInfo, type ReactNode } from 'react';
import type { CalltraceClient } from '../../../shared/api/contract.ts';
import { openCall, setCallLayout, useApp } from '../../state/app_store.ts';

export interface CallViewProps {
  client: CalltraceClient;
  callId: number;
}

export const loadCallView = () => import('../call/CallView.tsx');
const CallView = lazy(async () => ({ default: (await loadCallView()).CallView }));

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
        <CallViewBoundary callId={callId}>
          <Suspense
            fallback={
              <div className="state state-loading" role="status" data-testid="call-view-placeholder">
                <span className="spinner" aria-hidden="true" /> The call view is loading…
              </div>
            }
          >
            <CallView key={callId} client={client} callId={callId} />
          </Suspense>
        </CallViewBoundary>
      </div>
    </section>
  );
}
