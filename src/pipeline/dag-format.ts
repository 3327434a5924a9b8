/** The stage graph as text: a tree for the terminal, Mermaid and Graphviz DOT for docs. */
import type { Dag } from './dag.js';

export interface DagSummary {
  stages: { name: string; cmd: string[]; deps: string[]; outs: string[] }[];
  edges: { from: string; to: string }[];
}

export function summarizeDag(dag: Dag, names: readonly string[] = dag.order): DagSummary {
  const chosen = new Set(names);
  const stages = dag.order
    .filter((n) => chosen.has(n))
    .map((n) => {
      const s = dag.byName.get(n);
      return {
        name: n,
        cmd: s?.cmd ?? [],
        deps: s?.deps ?? [],
        outs: [...(s?.outs ?? []), ...(s?.metrics ?? [])].map((o) => o.path),
      };
    });
  const edges: { from: string; to: string }[] = [];
  for (const n of dag.order) {
    if (!chosen.has(n)) continue;
    for (const d of [...(dag.downstream.get(n) ?? [])].sort(byOrder(dag))) {
      if (chosen.has(d)) edges.push({ from: n, to: d });
    }
  }
  return { stages, edges };
}

function byOrder(dag: Dag): (a: string, b: string) => number {
  const index = new Map(dag.order.map((n, i) => [n, i]));
  return (a, b) => (index.get(a) ?? 0) - (index.get(b) ?? 0);
}

/**
 * A tree from each stage nothing feeds, down its consumers; a stage reached a second
 * time is written once more with "(see above)" instead of its subtree again.
 */
export function formatDagTree(summary: DagSummary): string {
  const children = new Map<string, string[]>();
  const hasParent = new Set<string>();
  for (const e of summary.edges) {
    children.set(e.from, [...(children.get(e.from) ?? []), e.to]);
    hasParent.add(e.to);
  }
  const lines: string[] = [];
  const shown = new Set<string>();
  const walk = (name: string, prefix: string, last: boolean, root: boolean): void => {
    const branch = root ? '' : last ? '└─▶ ' : '├─▶ ';
    const again = shown.has(name);
    lines.push(`${prefix}${branch}${name}${again ? ' (see above)' : ''}`);
    if (again) return;
    shown.add(name);
    const kids = children.get(name) ?? [];
    const childPrefix = root ? prefix : prefix + (last ? '    ' : '│   ');
    kids.forEach((k, i) => walk(k, childPrefix, i === kids.length - 1, false));
  };
  for (const s of summary.stages) if (!hasParent.has(s.name)) walk(s.name, '', true, true);
  return lines.join('\n');
}

export function formatMermaid(summary: DagSummary): string {
  const id = new Map(summary.stages.map((s, i) => [s.name, `s${i}`]));
  const label = (s: string): string => s.replace(/"/g, '#quot;');
  return [
    'flowchart TD',
    ...summary.stages.map((s) => `  ${id.get(s.name)}["${label(s.name)}"]`),
    ...summary.edges.map((e) => `  ${id.get(e.from)} --> ${id.get(e.to)}`),
  ].join('\n');
}

export function formatDot(summary: DagSummary): string {
  const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return [
    'digraph pipeline {',
    '  rankdir=TB;',
    '  node [shape=box, style=rounded];',
    ...summary.stages.map((s) => `  ${q(s.name)};`),
    ...summary.edges.map((e) => `  ${q(e.from)} -> ${q(e.to)};`),
    '}',
  ].join('\n');
}
