// Live updates: the hub's server-sent event stream (GET …/events/stream), with the events list's
// filters. EventSource sends the session cookie and resumes with Last-Event-ID by itself.
import { useEffect, useRef, useState } from 'react';
import type { HubEvent } from './types';

export type StreamState = 'connecting' | 'live' | 'reconnecting';

export function useEventStream(projectId: string | null, filters: Record<string, string | undefined>, onEvent: (e: HubEvent) => void): StreamState {
  const [state, setState] = useState<StreamState>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const query = new URLSearchParams(Object.entries(filters).filter((e): e is [string, string] => !!e[1])).toString();
  useEffect(() => {
    if (!projectId) return;
    const source = new EventSource(`/api/v1/projects/${encodeURIComponent(projectId)}/events/stream${query ? `?${query}` : ''}`);
    source.onopen = () => setState('live');
    source.onerror = () => setState('reconnecting');
    source.addEventListener('event', (m) => {
      try {
        handler.current(JSON.parse((m as MessageEvent<string>).data) as HubEvent);
      } catch {
        /* a line the console cannot read: skip it, the next refetch shows the truth */
      }
    });
    return () => source.close();
  }, [projectId, query]);
  return state;
}
