// Back-end events (import progress, library changed) fan out to every transport listening:
// the Electron window(s) over IPC and the bridge's Server-Sent Events clients.

import type { ApiEvent, ApiEventName, ApiEvents } from '../../../shared/api/contract.ts';

export type EventListener = (e: ApiEvent) => void;

export class EventHub {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  emit<E extends ApiEventName>(name: E, payload: ApiEvents[E]): void {
    const e = { name, payload } as ApiEvent;
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // A broken listener (a closed window, a dead socket) must not stop the others.
      }
    }
  }
}
