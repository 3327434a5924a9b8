/**
 * Metric curves with uPlot: several runs overlaid, step or time on x, linear or log
 * y, smoothing. The uPlot instance hangs on its element (`__chart`) so tests and
 * scripts can read what is drawn.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { alignCurves, forLog, seriesColor, smooth, type Curve } from './curves.js';

export interface LineChartProps {
  title: string;
  curves: Curve[];
  xLabel: string;
  /** x values are epoch ms */
  timeX?: boolean;
  logY?: boolean;
  smoothing?: number;
  height?: number;
  /** the curves are on their way: an empty frame of the final size holds their place */
  loading?: boolean;
}

export function LineChart(props: LineChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const curves = props.curves.map((c) => {
      let y = smooth(c.y, props.smoothing ?? 0);
      if (props.logY) y = forLog(y);
      return { ...c, y };
    });
    const data = alignCurves(curves);
    const width = Math.max(280, el.clientWidth || 420);
    // canvas text and grid in the page's colours (light or dark)
    const ink = getComputedStyle(el).color || '#888';
    const opts: uPlot.Options = {
      width,
      height: props.height ?? 240,
      scales: {
        x: { time: props.timeX ?? false },
        y: props.logY ? { distr: 3 } : {},
      },
      axes: [
        { stroke: ink, grid: { stroke: 'rgba(128,128,128,.15)' }, label: props.xLabel },
        { stroke: ink, grid: { stroke: 'rgba(128,128,128,.15)' } },
      ],
      series: [
        { label: props.xLabel },
        ...curves.map((c, i) => ({
          label: c.label,
          stroke: seriesColor(i),
          width: 1.5,
          spanGaps: true,
          // a curve of a few points (or one) shows its points, else nothing would show
          points: { show: c.x.length <= 60, size: 6 },
        })),
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
    };
    const u = new uPlot(opts, data, el);
    (el as HTMLDivElement & { __chart?: uPlot }).__chart = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(280, el.clientWidth);
      if (Math.abs(w - u.width) > 2) u.setSize({ width: w, height: u.height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [props.curves, props.xLabel, props.timeX, props.logY, props.smoothing, props.height]);
  return (
    <div class="chart-card" aria-busy={props.loading}>
      <h3>
        {props.title}
        {props.loading && <span class="muted"> loading…</span>}
      </h3>
      <div ref={box} class="chart" data-chart={props.title} />
    </div>
  );
}
