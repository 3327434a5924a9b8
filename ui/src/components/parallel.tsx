/**
 * Parallel coordinates for a sweep: one axis per param that varies (numbers on a
 * linear scale, text as evenly spaced categories) and the chosen metric last; one
 * line per run, coloured by the metric.
 */
import { fmtNumber } from '../format.js';
import { seriesColor } from './curves.js';

export interface Axis {
  key: string;
  /** one value per run (null: the run lacks it) */
  values: (string | number | null)[];
}

interface Scaled {
  key: string;
  ticks: { at: number; label: string }[];
  pos: (number | null)[];
}

export function scaleAxis(axis: Axis): Scaled {
  const nums = axis.values.map((v) => (v === null || v === '' ? NaN : Number(v)));
  const numeric = nums.every((n, i) => axis.values[i] === null || Number.isFinite(n));
  if (numeric) {
    const finite = nums.filter(Number.isFinite);
    const lo = Math.min(...finite);
    const hi = Math.max(...finite);
    const span = hi - lo || 1;
    return {
      key: axis.key,
      ticks: finite.length
        ? [
            { at: 1, label: fmtNumber(lo) },
            { at: 0, label: fmtNumber(hi) },
          ]
        : [],
      pos: nums.map((n) => (Number.isFinite(n) ? 1 - (n - lo) / span : null)),
    };
  }
  const cats = [...new Set(axis.values.filter((v) => v !== null).map(String))].sort();
  const at = (c: string): number => (cats.length === 1 ? 0.5 : cats.indexOf(c) / (cats.length - 1));
  return {
    key: axis.key,
    ticks: cats.map((c) => ({ at: at(c), label: c })),
    pos: axis.values.map((v) => (v === null ? null : at(String(v)))),
  };
}

export function ParallelCoordinates(props: { axes: Axis[]; runs: string[]; height?: number }) {
  const h = props.height ?? 260;
  const top = 24;
  const bottom = 16;
  const gap = 140;
  const w = Math.max(300, 60 + gap * (props.axes.length - 1) + 60);
  const scaled = props.axes.map(scaleAxis);
  const x = (i: number): number => 60 + i * gap;
  const y = (p: number): number => top + p * (h - top - bottom);
  return (
    <svg width={w} height={h} role="img" aria-label="parallel coordinates" class="parallel">
      {props.runs.map((run, r) => {
        const pts = scaled
          .map((s, i) => (s.pos[r] === null ? null : `${x(i)},${y(s.pos[r])}`))
          .filter(Boolean);
        return (
          <polyline
            key={run}
            points={pts.join(' ')}
            fill="none"
            stroke={seriesColor(r)}
            stroke-width={1.5}
            opacity={0.85}
          >
            <title>{run}</title>
          </polyline>
        );
      })}
      {scaled.map((s, i) => (
        <g key={s.key} class="axis">
          <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} />
          <text x={x(i)} y={12} text-anchor="middle" font-weight="600">
            {s.key}
          </text>
          {s.ticks.slice(0, 12).map((t) => (
            <text key={t.label} x={x(i) + 4} y={y(t.at) + 4}>
              {t.label}
            </text>
          ))}
        </g>
      ))}
    </svg>
  );
}
