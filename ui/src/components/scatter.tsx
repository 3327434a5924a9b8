/** A param against a metric, one dot per run (text params as evenly spaced categories). */
import { fmtNumber } from '../format.js';
import { scaleAxis } from './parallel.js';

export function Scatter(props: {
  xKey: string;
  yKey: string;
  x: (string | number | null)[];
  y: (number | null)[];
  labels: string[];
}) {
  const w = 420;
  const h = 260;
  const m = { l: 56, r: 16, t: 12, b: 36 };
  const sx = scaleAxis({ key: props.xKey, values: props.x });
  const sy = scaleAxis({ key: props.yKey, values: props.y });
  // scaleAxis puts a number's high end at 0 (the top of a vertical axis); x runs left to right
  const numericX = props.x.every((v) => v === null || (v !== '' && Number.isFinite(Number(v))));
  const across = (p: number): number => m.l + (numericX ? 1 - p : p) * (w - m.l - m.r);
  const down = (p: number): number => m.t + p * (h - m.t - m.b);
  return (
    <svg
      width={w}
      height={h}
      role="img"
      aria-label={`${props.xKey} against ${props.yKey}`}
      class="scatter"
    >
      <g class="axis">
        <line x1={m.l} x2={w - m.r} y1={h - m.b} y2={h - m.b} />
        <line x1={m.l} x2={m.l} y1={m.t} y2={h - m.b} />
        <text x={(w + m.l) / 2} y={h - 4} text-anchor="middle">
          {props.xKey}
        </text>
        {sy.ticks.map((t) => (
          <text key={t.label} x={m.l - 4} y={down(t.at) + 4} text-anchor="end">
            {t.label}
          </text>
        ))}
        {sx.ticks.slice(0, 10).map((t) => (
          <text key={t.label} x={across(t.at)} y={h - m.b + 14} text-anchor="middle">
            {t.label}
          </text>
        ))}
      </g>
      {props.labels.map((label, i) => {
        const a = sx.pos[i];
        const b = sy.pos[i];
        if (a === null || b === null) return null;
        return (
          <circle
            key={label + i}
            cx={across(a)}
            cy={down(b)}
            r={4}
            fill="var(--accent)"
            opacity={0.75}
          >
            <title>{`${label}: ${String(props.x[i])}, ${fmtNumber(props.y[i])}`}</title>
          </circle>
        );
      })}
    </svg>
  );
}
