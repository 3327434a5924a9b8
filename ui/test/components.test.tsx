// @vitest-environment happy-dom
/**
 * The front end's components and their arithmetic, rendered with Preact in a DOM
 * (happy-dom): the virtual list's positions, curve smoothing and alignment, the
 * column picker over thousands of keys, the params diff, the lineage layout.
 */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ColumnPicker, PICKER_SHOWN, pickerEntries } from '../src/components/column-picker.js';
import { alignCurves, forLog, smooth } from '../src/components/curves.js';
import { layoutLineage, Lineage, type LineageGraph } from '../src/components/lineage.js';
import { scaleAxis } from '../src/components/parallel.js';
import { groupKey, ItemIndex, visibleRange } from '../src/components/virtual-list.js';
import { DiffTable } from '../src/pages/compare.js';
import { formatHash, parseHash } from '../src/route.js';

let root: HTMLElement;
afterEach(() => {
  if (root) render(null, root);
  document.body.innerHTML = '';
});
function mount(node: preact.ComponentChild): HTMLElement {
  root = document.createElement('div');
  document.body.appendChild(root);
  void act(() => render(node, root));
  return root;
}

describe('virtual list', () => {
  it('maps positions to group headers and runs, with collapsed groups left out', () => {
    const groups = [
      { value: 'a', count: 3 },
      { value: null, count: 2 },
    ];
    const open = new ItemIndex(5, groups);
    expect(open.length).toBe(7);
    expect([0, 1, 3, 4, 5, 6].map((p) => open.item(p))).toEqual([
      { kind: 'group', group: 0 },
      { kind: 'row', index: 0, group: 0 },
      { kind: 'row', index: 2, group: 0 },
      { kind: 'group', group: 1 },
      { kind: 'row', index: 3, group: 1 },
      { kind: 'row', index: 4, group: 1 },
    ]);
    const shut = new ItemIndex(5, groups, new Set([groupKey('a')]));
    expect(shut.length).toBe(4);
    expect(shut.item(1)).toEqual({ kind: 'group', group: 1 });
    expect(shut.item(3)).toEqual({ kind: 'row', index: 4, group: 1 });
    expect(new ItemIndex(100_000, undefined).item(99_999)).toEqual({
      kind: 'row',
      index: 99_999,
      group: -1,
    });
  });

  it('renders only what a viewport shows, whatever the total', () => {
    expect(visibleRange(28 * 50_000, 560, 28, 100_000, 5)).toEqual({ from: 49_995, to: 50_025 });
    expect(visibleRange(0, 560, 28, 3, 5)).toEqual({ from: 0, to: 3 });
  });
});

describe('curves', () => {
  it('smooths with a debiased moving average and keeps gaps', () => {
    expect(smooth([1, 1, 1], 0.9)).toEqual(
      [1, 1, 1].map((v) => expect.closeTo(v, 12) as unknown as number),
    );
    const s = smooth([0, 10, null, 10], 0.5);
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo((0.5 * 0 * 0.5 + 0.5 * 10) / (1 - 0.25), 12);
    expect(s[2]).toBeNull();
    expect(smooth([3, 4], 0)).toEqual([3, 4]);
  });

  it('aligns runs on one x axis and blanks non-positive values on a log scale', () => {
    const [x, a, b] = alignCurves([
      { label: 'a', x: [0, 2], y: [1, 2] },
      { label: 'b', x: [1, 2], y: [5, 6] },
    ]);
    expect(x).toEqual([0, 1, 2]);
    expect(a).toEqual([1, null, 2]);
    expect(b).toEqual([null, 5, 6]);
    expect(forLog([1, 0, -1, null, 2])).toEqual([1, null, null, null, 2]);
  });

  it('scales parallel axes: numbers linearly (high on top), text as categories', () => {
    expect(scaleAxis({ key: 'lr', values: ['0.1', '0.3', null] }).pos).toEqual([1, 0, null]);
    expect(scaleAxis({ key: 'model', values: ['svm', 'rf', 'svm'] }).pos).toEqual([1, 0, 1]);
  });
});

describe('column picker', () => {
  const many = {
    params: ['lr', 'depth'],
    metrics: Array.from({ length: 12_000 }, (_, i) => `m${i}`),
    tags: ['team'],
  };

  it('searches every key but draws a bounded list', () => {
    expect(pickerEntries(many, 'm1199')).toEqual([
      'metrics.m1199',
      'metrics.m11990',
      'metrics.m11991',
      'metrics.m11992',
      'metrics.m11993',
      'metrics.m11994',
      'metrics.m11995',
      'metrics.m11996',
      'metrics.m11997',
      'metrics.m11998',
      'metrics.m11999',
    ]);
    const el = mount(
      <ColumnPicker keys={many} chosen={[]} onChange={() => undefined} onClose={() => undefined} />,
    );
    expect(el.querySelectorAll('input[type=checkbox]')).toHaveLength(PICKER_SHOWN);
    expect(el.textContent).toContain('12,003 keys');
    expect(el.textContent).toContain('more: refine the search');
  });

  it('adds and removes a column', () => {
    let cols: string[] = ['metrics.m0'];
    const el = mount(
      <ColumnPicker
        keys={many}
        chosen={cols}
        onChange={(c) => (cols = c)}
        onClose={() => undefined}
      />,
    );
    const boxes = el.querySelectorAll<HTMLInputElement>('input[type=checkbox]');
    expect(boxes[0].checked).toBe(true);
    void act(() => boxes[1].click());
    expect(cols).toEqual(['metrics.m0', 'metrics.m1']);
  });
});

describe('params diff and lineage', () => {
  it('marks the rows whose values differ', () => {
    const el = mount(
      <DiffTable
        names={['a', 'b']}
        label="params"
        rows={[
          { key: 'lr', values: ['0.1', '0.2'], differs: true },
          { key: 'seed', values: ['1', '1'], differs: false },
        ]}
      />,
    );
    expect([...el.querySelectorAll('tr.differs td.mono')].map((t) => t.textContent)).toEqual([
      'lr',
    ]);
    expect(el.querySelectorAll('tbody tr')).toHaveLength(2);
  });

  it('lays the lineage out in columns and draws every edge', () => {
    const graph: LineageGraph = {
      nodes: [
        { id: 'data:a', kind: 'data', layer: 0, label: 'a.csv', detail: { hash: 'ab'.repeat(32) } },
        { id: 'data:b', kind: 'data', layer: 0, label: 'b.csv', detail: { hash: 'cd'.repeat(32) } },
        {
          id: 'run:r',
          kind: 'run',
          layer: 1,
          label: 'train',
          detail: { status: 'finished', id: 'f'.repeat(32) },
        },
        {
          id: 'model:m@1',
          kind: 'model',
          layer: 2,
          label: 'm v1',
          detail: { format: 'onnx', hash: 'e'.repeat(64) },
        },
        { id: 'alias:champion', kind: 'alias', layer: 3, label: '@champion', detail: {} },
      ],
      edges: [
        { from: 'data:a', to: 'run:r' },
        { from: 'data:b', to: 'run:r' },
        { from: 'run:r', to: 'model:m@1' },
        { from: 'model:m@1', to: 'alias:champion' },
      ],
    };
    const { nodes } = layoutLineage(graph);
    const x = Object.fromEntries(nodes.map((n) => [n.id, n.x]));
    expect(x['data:a']).toBe(x['data:b']);
    expect(x['run:r']).toBeGreaterThan(x['data:a']);
    expect(x['alias:champion']).toBeGreaterThan(x['model:m@1']);
    const el = mount(<Lineage graph={graph} />);
    expect(el.querySelectorAll('g.node')).toHaveLength(5);
    expect(el.querySelectorAll('path.edge')).toHaveLength(4);
  });
});

describe('URL state', () => {
  it('round-trips a view through the hash', () => {
    const hash = formatHash(['runs'], {
      filter: "params.model = 'rf'",
      sort: ['metrics.acc:desc', 'start'],
      sel: 'a,b',
      group: '',
    });
    const r = parseHash(hash);
    expect(r.parts).toEqual(['runs']);
    expect(r.query.get('filter')).toBe("params.model = 'rf'");
    expect(r.query.getAll('sort')).toEqual(['metrics.acc:desc', 'start']);
    expect(r.query.has('group')).toBe(false);
    expect(parseHash('#/models/churn%2Fx?v=2').parts).toEqual(['models', 'churn/x']);
  });
});
