/** Loading a document for a view: its state, errors shown the same way everywhere. */
import { useEffect, useState } from 'preact/hooks';
import { getJson, type Params } from '../api.js';
import { useLive } from '../live.js';

export interface Loaded<T> {
  data: T | null;
  error: { message: string; hint?: string } | null;
  loading: boolean;
}

/** GET an API path; re-read when the store changes (if `live`). */
export function useApi<T>(path: string | null, params: Params = {}, live = true): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useLive(() => live && setTick((n) => n + 1), 1000);
  const key = JSON.stringify([path, params]);
  useEffect(() => {
    if (path === null) return;
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    getJson<T>(path, params, ctl.signal).then(
      (data) => setState({ data, error: null, loading: false }),
      (e: Error & { hint?: string }) => {
        if (e.name !== 'AbortError')
          setState({ data: null, error: { message: e.message, hint: e.hint }, loading: false });
      },
    );
    return () => ctl.abort();
  }, [key, tick]);
  return state;
}

export function Status<T>(props: { loaded: Loaded<T> }) {
  const { error, loading, data } = props.loaded;
  if (error)
    return (
      <div class="error-box" role="alert">
        {error.message}
        {error.hint ? `\n${error.hint}` : ''}
      </div>
    );
  if (loading && !data) return <p class="muted">loading…</p>;
  return null;
}
