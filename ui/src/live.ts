/**
 * Live updates: one EventSource on /api/ui/events for the whole page; views register a
 * callback and re-read their data when the store changes (runs logging, a server
 * writing its prediction log). The browser reconnects a dropped stream by itself.
 */
import { useEffect, useRef } from 'preact/hooks';
import { apiUrl } from './api.js';

type Listener = (generation: string) => void;
const listeners = new Set<Listener>();
let source: EventSource | undefined;

function connect(): void {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource(apiUrl('events'));
  source.addEventListener('change', (e) => {
    const { generation } = JSON.parse((e as MessageEvent<string>).data) as { generation: string };
    for (const l of listeners) l(generation);
  });
}

/** Call `onChange` (throttled to one call per `minMs`) whenever the store changes. */
export function useLive(onChange: () => void, minMs = 500): void {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fire = (): void => {
      last = Date.now();
      timer = undefined;
      latest.current();
    };
    const listener: Listener = () => {
      if (timer) return;
      const wait = Math.max(0, last + minMs - Date.now());
      timer = setTimeout(fire, wait);
    };
    listeners.add(listener);
    connect();
    return () => {
      listeners.delete(listener);
      if (timer) clearTimeout(timer);
    };
  }, [minMs]);
}
