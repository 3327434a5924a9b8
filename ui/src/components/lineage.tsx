/**
 * A model version's lineage as a graph in five columns: data, then the run that
 * trained it, the version, the aliases pointing at it, and where it was served.
 */
import { short } from '../format.js';

export interface LineageNode {
  id: string;
  kind: 'data' | 'run' | 'model' | 'alias' | 'serving';
  layer: number;
  label: string;
  detail: Record<string, string | number | boolean | null>;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: { from: string; to: string; label?: string }[];
}

const W = 180;
const H = 48;
const GAP_X = 70;
const GAP_Y = 16;
const COLUMNS = ['data', 'run', 'model', 'alias', 'serving'];

export interface Placed extends LineageNode {
  x: number;
  y: number;
}

/** Columns by layer, nodes stacked and centred in their column. */
export function layoutLineage(graph: LineageGraph): {
  nodes: Placed[];
  width: number;
  height: number;
} {
  const byLayer = COLUMNS.map((_, l) => graph.nodes.filter((n) => n.layer === l));
  const rows = Math.max(1, ...byLayer.map((c) => c.length));
  const height = 28 + rows * (H + GAP_Y);
  const nodes = byLayer.flatMap((col, l) => {
    const top = 28 + ((rows - col.length) * (H + GAP_Y)) / 2;
    return col.map((n, i) => ({ ...n, x: 8 + l * (W + GAP_X), y: top + i * (H + GAP_Y) }));
  });
  return { nodes, width: 16 + COLUMNS.length * W + (COLUMNS.length - 1) * GAP_X, height };
}

function subtitle(n: LineageNode): string {
  const d = n.detail;
  switch (n.kind) {
    case 'data':
      return `${d.baseline ? 'baseline · ' : ''}${short(d.hash as string | null, 12)}`;
    case 'run':
      return `${String(d.status)} · ${short(d.id as string)}`;
    case 'model':
      return `${String(d.format)} · ${short(d.hash as string, 12)}`;
    case 'serving':
      return `${Number(d.rows).toLocaleString()} predictions`;
    default:
      return '';
  }
}

export function Lineage({ graph }: { graph: LineageGraph }) {
  const { nodes, width, height } = layoutLineage(graph);
  const at = new Map(nodes.map((n) => [n.id, n]));
  return (
    <svg class="lineage" width={width} height={height} role="img" aria-label="lineage">
      {COLUMNS.map((c, l) => (
        <text
          key={c}
          x={8 + l * (W + GAP_X) + W / 2}
          y={14}
          text-anchor="middle"
          class="muted"
          opacity={0.7}
        >
          {c}
        </text>
      ))}
      {graph.edges.map((e, i) => {
        const a = at.get(e.from);
        const b = at.get(e.to);
        if (!a || !b) return null;
        const x1 = a.x + W;
        const y1 = a.y + H / 2;
        const x2 = b.x;
        const y2 = b.y + H / 2;
        const mid = (x1 + x2) / 2;
        return (
          <path key={i} class="edge" d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}>
            <title>{e.label ?? ''}</title>
          </path>
        );
      })}
      {nodes.map((n) => (
        <g
          key={n.id}
          class={`node kind-${n.kind}`}
          data-node={n.id}
          transform={`translate(${n.x},${n.y})`}
        >
          <rect width={W} height={H} rx={6} />
          <text x={8} y={18} font-weight="600">
            {n.label.length > 26 ? `${n.label.slice(0, 25)}…` : n.label}
          </text>
          <text x={8} y={36} opacity={0.7}>
            {subtitle(n)}
          </text>
          <title>{`${n.label}\n${Object.entries(n.detail)
            .map(([k, v]) => `${k}: ${String(v)}`)
            .join('\n')}`}</title>
        </g>
      ))}
    </svg>
  );
}
