/**
 * The History view's two charts from the rollup: concurrent sessions and bytes (both ways) per
 * project over the searched window, one step line per project on a shared scale, with a legend.
 * The geometry is chart.ts's; the series are rollup-model.ts's.
 */
import type { RollupMinute } from '@session-tracker/shared';
import { chartGeometry, estimateLabelWidth, leftPad, niceMax } from './chart.js';
import { h, setText } from './dom.js';
import { formatBytes, formatClock, formatCount, formatDateTime } from './format.js';
import { rollupChart, type RollupMetric } from './rollup-model.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const W = 480;
const H = 120;
const PAD = { right: 8, top: 8, bottom: 18 };
/** Series colours are classes `series-0`… (history.css): the page's CSP allows no inline styles. */
const COLOURS = 5;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  parent?: Element,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  parent?.appendChild(el);
  return el;
}

class RollupFigure {
  readonly root: HTMLElement;
  private readonly caption: HTMLElement;
  private readonly body: HTMLElement;
  private readonly legend: HTMLElement;

  constructor(
    private readonly metric: RollupMetric,
    private readonly title: string,
  ) {
    this.caption = h('span', { class: 'muted' });
    this.body = h('div', { class: 'chart-body' });
    this.legend = h('ul', { class: 'rollup-legend', 'aria-label': `${title}: projects` });
    this.root = h(
      'figure',
      { class: 'chart card rollup-chart', 'data-metric': metric },
      h('figcaption', {}, h('span', {}, title), this.caption),
      this.body,
      this.legend,
    );
  }

  clear(text: string): void {
    this.body.replaceChildren();
    this.legend.replaceChildren();
    setText(this.caption, text);
  }

  render(minutes: readonly RollupMinute[], from: number, to: number): void {
    const chart = rollupChart(minutes, from, to, this.metric);
    const format = this.metric === 'sessions' ? formatCount : formatBytes;
    const yMax = niceMax(Math.max(0, ...chart.series.flatMap((s) => s.points.map((p) => p.count))));
    const top = format(yMax);
    const padLeft = leftPad([estimateLabelWidth(top)]);
    const pw = W - padLeft - PAD.right;
    const ph = H - PAD.top - PAD.bottom;
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart-svg', focusable: 'false' });
    const summary = chart.series
      .map((s) => `${s.project} ${this.metric === 'sessions' ? `peak ${formatCount(s.rank)}` : formatBytes(s.rank)}`)
      .join(', ');
    svg('title', {}, root).textContent =
      `${this.title} from ${formatDateTime(new Date(chart.from).toISOString())} to ${formatDateTime(new Date(to).toISOString())}: ${summary || 'nothing'}.`;
    const plot = svg('g', { transform: `translate(${padLeft} ${PAD.top})` }, root);
    svg('line', { x1: 0, x2: pw, y1: 0, y2: 0, class: 'chart-grid' }, plot);
    svg('line', { x1: 0, x2: pw, y1: ph, y2: ph, class: 'chart-axis' }, plot);
    svg('text', { x: -6, y: 4, class: 'chart-label', 'text-anchor': 'end' }, plot).textContent = top;
    svg('text', { x: -6, y: ph + 4, class: 'chart-label', 'text-anchor': 'end' }, plot).textContent = '0';
    const span = to - chart.from;
    [0, 0.5, 1].forEach((f, i) => {
      svg(
        'text',
        { x: pw * f, y: ph + 14, class: 'chart-label', 'text-anchor': i === 0 ? 'start' : i === 1 ? 'middle' : 'end' },
        plot,
      ).textContent = formatClock(chart.from + span * f);
    });
    chart.series.forEach((s, i) => {
      const g = chartGeometry(s.points, to, { width: pw, height: ph, windowMs: span }, yMax);
      svg('path', { d: g.line, class: `rollup-line series-${i % COLOURS}`, 'data-project': s.project }, plot);
    });
    this.body.replaceChildren(root);
    this.legend.replaceChildren(
      ...chart.series.map((s, i) =>
        h(
          'li',
          {},
          h('span', { class: `rollup-swatch series-${i % COLOURS}`, 'aria-hidden': 'true' }),
          `${s.project} `,
          h('span', { class: 'muted' }, this.metric === 'sessions' ? `peak ${formatCount(s.rank)}` : formatBytes(s.rank)),
        ),
      ),
    );
    setText(this.caption, chart.series.length === 0 ? 'no sessions in this window' : `per ${chart.bucketMs / 60_000} min`);
  }
}

/** Both charts, side by side above the ended sessions. */
export class RollupCharts {
  readonly root: HTMLElement;
  private readonly figures = [
    new RollupFigure('sessions', 'Concurrent sessions per project'),
    new RollupFigure('bytes', 'Bytes per project (both ways)'),
  ];

  constructor() {
    this.root = h('div', { id: 'rollup-charts', class: 'rollup-charts' }, ...this.figures.map((f) => f.root));
  }

  clear(text = ''): void {
    for (const f of this.figures) f.clear(text);
  }

  render(minutes: readonly RollupMinute[], from: number, to: number): void {
    for (const f of this.figures) f.render(minutes, from, to);
  }
}
