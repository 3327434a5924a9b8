/**
 * The stage graph: an edge from the stage writing a path to every stage depending
 * on it (the same path, a file inside an output directory, or a directory holding
 * an output). Two stages writing one path, or a cycle, is an error naming them.
 */
import { MloError } from '../errors.js';
import type { Pipeline, Stage } from './load.js';

export interface Dag {
  stages: Stage[];
  byName: Map<string, Stage>;
  /** stage → the stages it needs */
  upstream: Map<string, Set<string>>;
  downstream: Map<string, Set<string>>;
  /** output path → the stage writing it */
  producers: Map<string, string>;
  /** every stage, dependencies first; file order among independent stages */
  order: string[];
}

const overlaps = (a: string, b: string): boolean =>
  a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);

export function stageOutputs(s: Stage): string[] {
  return [...s.outs.map((o) => o.path), ...s.metrics.map((m) => m.path)];
}

export function buildDag(pipeline: Pipeline): Dag {
  const { stages, byName, positions } = pipeline;
  const producers = new Map<string, string>();
  const outList: { path: string; stage: Stage; index: number }[] = [];
  for (const s of stages) {
    stageOutputs(s).forEach((path, index) => {
      for (const o of outList) {
        if (o.stage !== s && overlaps(o.path, path)) {
          const same = o.path === path;
          throw new MloError(
            'INVALID',
            same
              ? `stages ${o.stage.name} and ${s.name} both write ${path}`
              : `outputs overlap: ${o.path} (stage ${o.stage.name}) and ${path} (stage ${s.name})`,
            {
              hint: `${positions.where(s.yamlPath)}: one path may have one writer; write to different paths`,
            },
          );
        }
      }
      outList.push({ path, stage: s, index });
      producers.set(path, s.name);
    });
  }
  const upstream = new Map<string, Set<string>>();
  const downstream = new Map<string, Set<string>>();
  for (const s of stages) {
    upstream.set(s.name, new Set());
    downstream.set(s.name, new Set());
  }
  for (const s of stages) {
    for (const dep of s.deps) {
      for (const o of outList) {
        if (!overlaps(o.path, dep)) continue;
        if (o.stage === s) {
          throw new MloError('INVALID', `stage ${s.name} depends on its own output ${o.path}`, {
            hint: `${positions.where(s.yamlPath)}: a stage cannot read what it writes; split it into two stages`,
          });
        }
        upstream.get(s.name)?.add(o.stage.name);
        downstream.get(o.stage.name)?.add(s.name);
      }
    }
  }
  const order = topoOrder(stages, upstream, downstream);
  return { stages, byName, upstream, downstream, producers, order };
}

function topoOrder(
  stages: Stage[],
  upstream: Map<string, Set<string>>,
  downstream: Map<string, Set<string>>,
): string[] {
  const index = new Map(stages.map((s, i) => [s.name, i]));
  const remaining = new Map(stages.map((s) => [s.name, upstream.get(s.name)?.size ?? 0]));
  const ready = stages.filter((s) => remaining.get(s.name) === 0).map((s) => s.name);
  const order: string[] = [];
  while (ready.length) {
    // file order among the ready ones: stable output, and what users expect
    ready.sort((a, b) => (index.get(a) ?? 0) - (index.get(b) ?? 0));
    const next = ready.shift() as string;
    order.push(next);
    for (const d of downstream.get(next) ?? []) {
      const n = (remaining.get(d) ?? 0) - 1;
      remaining.set(d, n);
      if (n === 0) ready.push(d);
    }
  }
  if (order.length < stages.length) {
    const cycle = findCycle(
      stages.filter((s) => !order.includes(s.name)).map((s) => s.name),
      upstream,
    );
    throw new MloError('INVALID', `the stages form a cycle: ${cycle.join(' -> ')}`, {
      hint: 'each stage must only read outputs of stages before it; remove one of these dependencies',
    });
  }
  return order;
}

/** One cycle among `names`, as a closed path a -> b -> a. */
function findCycle(names: string[], upstream: Map<string, Set<string>>): string[] {
  const inSet = new Set(names);
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 1);
    stack.push(n);
    for (const u of upstream.get(n) ?? []) {
      if (!inSet.has(u)) continue;
      if (state.get(u) === 1) {
        // stack holds n and the chain that led to it; u needs ... needs n.
        const from = stack.indexOf(u);
        return [...stack.slice(from), u].reverse();
      }
      if (state.get(u) === undefined) {
        const found = visit(u);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of names) {
    if (state.get(n) === undefined) {
      const found = visit(n);
      if (found) return found;
    }
  }
  return names;
}

/**
 * The stages to reproduce for the targets (a stage name, or the name of a
 * foreach/matrix stage for all its items): the targets and everything they need,
 * in dependency order. No targets: every stage.
 */
/**
 * The stages `targets` name (stage or group names; all stages when none), with the
 * stages they need unless `withUpstream` is false, in DAG order.
 */
export function selectStages(
  dag: Dag,
  targets: readonly string[] = [],
  withUpstream = true,
): string[] {
  if (targets.length === 0) return dag.order;
  const wanted = new Set<string>();
  for (const t of targets) {
    const direct = dag.byName.get(t);
    const group = dag.stages.filter((s) => s.group === t);
    if (!direct && group.length === 0) {
      throw new MloError('NOT_FOUND', `no stage named ${t}`, {
        hint: `stages: ${dag.order.slice(0, 20).join(', ')}${dag.order.length > 20 ? ', ...' : ''}`,
      });
    }
    const add = (n: string): void => {
      if (wanted.has(n)) return;
      wanted.add(n);
      if (withUpstream) for (const u of dag.upstream.get(n) ?? []) add(u);
    };
    if (direct) add(direct.name);
    group.forEach((s) => add(s.name));
  }
  return dag.order.filter((n) => wanted.has(n));
}

/** Every stage downstream of `names` (inclusive). */
export function downstreamOf(dag: Dag, names: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const add = (n: string): void => {
    if (out.has(n)) return;
    out.add(n);
    for (const d of dag.downstream.get(n) ?? []) add(d);
  };
  for (const n of names) add(n);
  return out;
}
