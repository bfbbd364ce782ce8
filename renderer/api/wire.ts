// The bridge's wire details that are pure string work (no DOM): kept apart from client.ts so
// they are tested in plain Node.

import type { ApiEvent, ApiEventName } from '../../shared/api/contract.ts';

/** The session token from the page URL (`/?token=T`): the bridge prints that URL at start. */
export function tokenFromUrl(href: string): string | null {
  try {
    return new URL(href).searchParams.get('token');
  } catch {
    return null;
  }
}

/** An SSE data line → ApiEvent; tolerant of both framings, silent on garbage. */
export function parseEvent(data: string, name: ApiEventName | null): ApiEvent | null {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const o = v as { name?: unknown; payload?: unknown };
  if (name === null) return typeof o.name === 'string' && 'payload' in o ? (o as ApiEvent) : null;
  if (o.name === name && 'payload' in o) return o as ApiEvent;
  return { name, payload: v } as ApiEvent;
}

