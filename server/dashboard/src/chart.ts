/**
 * Session count over the last hour: a sample every 10 s (client side, from the live set),
 * 360 kept, drawn as an inline SVG area chart. The geometry is pure and unit-tested.
 */
import { formatClock, formatCount } from './format.js';

export interface Sample {
  /** Epoch ms. */
  t: number;
  count: number;
}

export const SAMPLE_EVERY_MS = 10_000;
export const MAX_SAMPLES = 360;
export const WINDOW_MS = SAMPLE_EVERY_MS * MAX_SAMPLES;

/** Appends a sample and drops the oldest beyond `max`. Mutates and returns `samples`. */
export function addSample(samples: Sample[], sample: Sample, max = MAX_SAMPLES): Sample[] {
  samples.push(sample);
  if (samples.length > max) samples.splice(0, samples.length - max);
  return samples;
}

/** The smallest of 1, 2, 5, 10, 20, 50, ... that is at least `n` (and at least 1). */
export function niceMax(n: number): number {
  if (!(n > 1)) return 1;
  let step = 1;
  for (;;) {
    for (const m of [1, 2, 5]) if (m * step >= n) return m * step;
    step *= 10;
  }
}

export interface Box {
  width: number;
  height: number;
  /** Time span the x axis covers, ending at `now`. */
  windowMs: number;
}

export interface Geometry {
  /** Path of the line, `""` without samples. */
  line: string;
  /** Closed path of the area under the line, `""` without samples. */
  area: string;
  /** The y-axis top value. */
  yMax: number;
  /** The newest point, or null. */
  last: { x: number; y: number } | null;
}

const round = (n: number): number => Math.round(n * 10) / 10;

/** Points of the samples inside the window: x by age (right edge is `now`), y by count (0 at the bottom). */
export function chartGeometry(samples: readonly Sample[], now: number, box: Box): Geometry {
  const visible = samples.filter((s) => now - s.t <= box.windowMs);
  const yMax = niceMax(visible.reduce((m, s) => Math.max(m, s.count), 0));
  if (visible.length === 0) return { line: '', area: '', yMax, last: null };
  const pts = visible.map((s) => ({
    x: round(Math.min(box.width, Math.max(0, box.width * (1 - (now - s.t) / box.windowMs)))),
    y: round(box.height - (Math.max(0, s.count) / yMax) * box.height),
  }));
  // One sample: a flat line from its time to now, so a fresh chart shows something.
  if (pts.length === 1) pts.push({ x: box.width, y: (pts[0] as { y: number }).y });
  // Steps: a count holds until the next sample.
  const line = pts.map((p, i) => (i === 0 ? `M${p.x} ${p.y}` : `H${p.x} V${p.y}`)).join(' ');
  const first = pts[0] as { x: number };
  const last = pts[pts.length - 1] as { x: number; y: number };
  const area = `${line} L${last.x} ${box.height} L${first.x} ${box.height} Z`;
  return { line, area, yMax, last };
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const W = 480;
const H = 112;
const PAD = { left: 30, right: 8, top: 8, bottom: 18 };

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  parent?.appendChild(el);
  return el;
}

/** The chart in the page: owns the samples and its <svg>. */
export class ChartView {
  private samples: Sample[] = [];
  /** The count right now, drawn as the line's live end between samples. */
  private current: number | null = null;
  private readonly root: SVGSVGElement;
  private readonly title: SVGTitleElement;
  private readonly area: SVGPathElement;
  private readonly line: SVGPathElement;
  private readonly dot: SVGCircleElement;
  private readonly yTop: SVGTextElement;
  private readonly yMid: SVGTextElement;
  private readonly xLabels: SVGTextElement[];
  private readonly gridMid: SVGLineElement;

  constructor(
    host: HTMLElement,
    private readonly summary: HTMLElement,
  ) {
    const pw = W - PAD.left - PAD.right;
    const ph = H - PAD.top - PAD.bottom;
    this.root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-svg-title', class: 'chart-svg', focusable: 'false' });
    this.title = svg('title', { id: 'chart-svg-title' }, this.root);
    const plot = svg('g', { transform: `translate(${PAD.left} ${PAD.top})` }, this.root);
    svg('line', { x1: 0, x2: pw, y1: 0, y2: 0, class: 'chart-grid' }, plot);
    this.gridMid = svg('line', { x1: 0, x2: pw, y1: ph / 2, y2: ph / 2, class: 'chart-grid' }, plot);
    svg('line', { x1: 0, x2: pw, y1: ph, y2: ph, class: 'chart-axis' }, plot);
    this.area = svg('path', { d: '', class: 'chart-area' }, plot);
    this.line = svg('path', { d: '', class: 'chart-line' }, plot);
    this.dot = svg('circle', { r: 3, cx: -10, cy: -10, class: 'chart-dot' }, plot);
    this.yTop = svg('text', { x: -6, y: 4, class: 'chart-label', 'text-anchor': 'end' }, plot);
    this.yMid = svg('text', { x: -6, y: ph / 2 + 4, class: 'chart-label', 'text-anchor': 'end' }, plot);
    svg('text', { x: -6, y: ph + 4, class: 'chart-label', 'text-anchor': 'end' }, plot).textContent = '0';
    this.xLabels = [0, 0.5, 1].map((f, i) =>
      svg('text', { x: pw * f, y: ph + 14, class: 'chart-label', 'text-anchor': i === 0 ? 'start' : i === 1 ? 'middle' : 'end' }, plot),
    );
    host.replaceChildren(this.root);
  }

  /** Records the count now and redraws. */
  sample(count: number, now = Date.now()): void {
    addSample(this.samples, { t: now, count });
    this.current = count;
    this.render(now);
  }

  /** The live count changed: moves the line's end (no sample is stored). */
  live(count: number, now = Date.now()): void {
    if (count === this.current || this.samples.length === 0) return;
    this.current = count;
    this.render(now);
  }

  /** Forgets the history (the filters changed: the old counts were of another set). */
  reset(count: number, now = Date.now()): void {
    this.samples = [];
    this.sample(count, now);
  }

  get points(): readonly Sample[] {
    return this.samples;
  }

  private render(now: number): void {
    const pw = W - PAD.left - PAD.right;
    const ph = H - PAD.top - PAD.bottom;
    const shown = this.current === null ? this.samples : [...this.samples, { t: now, count: this.current }];
    const g = chartGeometry(shown, now, { width: pw, height: ph, windowMs: WINDOW_MS });
    this.area.setAttribute('d', g.area);
    this.line.setAttribute('d', g.line);
    this.dot.setAttribute('cx', String(g.last?.x ?? -10));
    this.dot.setAttribute('cy', String(g.last?.y ?? -10));
    this.yTop.textContent = formatCount(g.yMax);
    const showMid = g.yMax % 2 === 0;
    this.yMid.textContent = showMid ? formatCount(g.yMax / 2) : '';
    this.gridMid.classList.toggle('is-hidden', !showMid);
    const labels = [formatClock(now - WINDOW_MS), formatClock(now - WINDOW_MS / 2), 'now'];
    this.xLabels.forEach((el, i) => {
      el.textContent = labels[i] ?? '';
    });
    const counts = shown.map((s) => s.count);
    const current = counts[counts.length - 1] ?? 0;
    const peak = counts.reduce((m, c) => Math.max(m, c), 0);
    const low = counts.reduce((m, c) => Math.min(m, c), current);
    const since = this.samples[0] ? formatClock(this.samples[0].t) : formatClock(now);
    const text = `Sessions since ${since}: now ${formatCount(current)}, peak ${formatCount(peak)}, low ${formatCount(low)}.`;
    this.title.textContent = `Session count over the last hour. ${text}`;
    this.summary.textContent = `now ${formatCount(current)} · peak ${formatCount(peak)} · since ${since}`;
  }
}
