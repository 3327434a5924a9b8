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
/** the store generation the stream last told of */
let heard: string | undefined;

const generationOf = (e: Event): string =>
  (JSON.parse((e as MessageEvent<string>).data) as { generation: string }).generation;

function announce(generation: string): void {
  heard = generation;
  for (const l of listeners) l(generation);
}

function connect(): void {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource(apiUrl('events'));
  // The stream only announces changes after it (re)connects, and the views fetched
  // their data before that (on opening, or while the stream was down): unless the
  // stream says the store is where it last was, re-read, or a change made in between
  // would stay unseen until the next one.
  source.addEventListener('hello', (e) => {
    const generation = generationOf(e);
    if (generation !== heard) announce(generation);
  });
  source.addEventListener('change', (e) => announce(generationOf(e)));
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
