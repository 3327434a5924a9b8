/**
 * Choosing columns from params, metrics and tags. A store can hold thousands of keys
 * (MLflow's UI fell over at 12,000 metric columns): the list is searched, and only the
 * first matches are drawn.
 */
import { useMemo, useState } from 'preact/hooks';

export const PICKER_SHOWN = 300;

export interface KeyLists {
  params: string[];
  metrics: string[];
  tags: string[];
}

export function pickerEntries(keys: KeyLists, search: string): string[] {
  const s = search.trim().toLowerCase();
  const all = [
    ...keys.metrics.map((k) => `metrics.${k}`),
    ...keys.params.map((k) => `params.${k}`),
    ...keys.tags.map((k) => `tags.${k}`),
  ];
  return s ? all.filter((k) => k.toLowerCase().includes(s)) : all;
}

export function ColumnPicker(props: {
  keys: KeyLists;
  chosen: readonly string[];
  onChange: (cols: string[]) => void;
  onClose: () => void;
}) {
  const [search, setSearch] = useState('');
  const matches = useMemo(() => pickerEntries(props.keys, search), [props.keys, search]);
  const chosen = new Set(props.chosen);
  const toggle = (c: string): void =>
    props.onChange(chosen.has(c) ? props.chosen.filter((x) => x !== c) : [...props.chosen, c]);
  return (
    <div
      class="picker"
      role="dialog"
      aria-label="columns"
      onKeyDown={(e) => e.key === 'Escape' && props.onClose()}
    >
      <input
        autoFocus
        placeholder="search params, metrics, tags"
        value={search}
        onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
      />
      <div class="muted" style={{ marginTop: '4px' }}>
        {matches.length.toLocaleString()} keys · {props.chosen.length} shown
        {props.chosen.length > 0 && (
          <button style={{ marginLeft: '8px' }} onClick={() => props.onChange([])}>
            none
          </button>
        )}
      </div>
      <ul>
        {matches.slice(0, PICKER_SHOWN).map((c) => (
          <li key={c}>
            <label>
              <input type="checkbox" checked={chosen.has(c)} onChange={() => toggle(c)} />
              <span class="mono">{c}</span>
            </label>
          </li>
        ))}
        {matches.length > PICKER_SHOWN && (
          <li class="muted">
            {(matches.length - PICKER_SHOWN).toLocaleString()} more: refine the search
          </li>
        )}
      </ul>
      <button onClick={props.onClose}>done</button>
    </div>
  );
}
