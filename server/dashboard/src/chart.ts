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

/**
 * Points of the samples inside the window: x by age (right edge is `now`), y by count (0 at the
 * bottom). `scale`: the y-axis top to use (charts of several series share one), else the samples'.
 */
export function chartGeometry(samples: readonly Sample[], now: number, box: Box, scale?: number): Geometry {
  const visible = samples.filter((s) => now - s.t <= box.windowMs);
  const yMax = scale ?? niceMax(visible.reduce((m, s) => Math.max(m, s.count), 0));
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

/** Space between a y label's end and the axis, in SVG units. */
export const LABEL_GAP = 6;
/** The y labels' font size, in SVG units (as in dashboard.css `.chart-label`). */
export const LABEL_FONT = 10;

/**
 * The left margin that fits the widest y label ("2,000", "10,000"): its width, the gap to
 * the axis and a unit to spare. Never below `min`.
 */
export function leftPad(labelWidths: readonly number[], min = 16): number {
  return Math.max(min, Math.ceil(Math.max(0, ...labelWidths)) + LABEL_GAP + 1);
}

/**
 * A label's width when the browser cannot measure it (the chart not rendered yet): wide
 * enough for common sans-serif digits (0.64 em in DejaVu Sans, 0.56 in Arial).
 */
export function estimateLabelWidth(text: string, fontSize = LABEL_FONT): number {
  let em = 0;
  for (const ch of text) em += /[0-9]/.test(ch) ? 0.66 : /[,.\s]/.test(ch) ? 0.36 : 0.72;
  return em * fontSize;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const W = 480;
const H = 112;
const PAD = { left: 16, right: 8, top: 8, bottom: 18 };

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
  private readonly plot: SVGGElement;
  private readonly hLines: SVGLineElement[];
  /** The left margin now: sized from the widest y label. */
  private padLeft = PAD.left;

  constructor(
    host: HTMLElement,
    private readonly summary: HTMLElement,
  ) {
    const pw = W - this.padLeft - PAD.right;
    const ph = H - PAD.top - PAD.bottom;
    this.root = svg('svg', {
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-labelledby': 'chart-svg-title',
      class: 'chart-svg',
      focusable: 'false',
    });
    this.title = svg('title', { id: 'chart-svg-title' }, this.root);
    const plot = svg('g', { transform: `translate(${this.padLeft} ${PAD.top})` }, this.root);
    this.plot = plot;
    const gridTop = svg('line', { x1: 0, x2: pw, y1: 0, y2: 0, class: 'chart-grid' }, plot);
    this.gridMid = svg('line', { x1: 0, x2: pw, y1: ph / 2, y2: ph / 2, class: 'chart-grid' }, plot);
    const axis = svg('line', { x1: 0, x2: pw, y1: ph, y2: ph, class: 'chart-axis' }, plot);
    this.hLines = [gridTop, this.gridMid, axis];
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

  /** Moves the plot right or left so the y labels fit in the margin. */
  private layout(padLeft: number): void {
    if (padLeft === this.padLeft) return;
    this.padLeft = padLeft;
    const pw = W - padLeft - PAD.right;
    this.plot.setAttribute('transform', `translate(${padLeft} ${PAD.top})`);
    for (const line of this.hLines) line.setAttribute('x2', String(pw));
    const at = [0, 0.5, 1];
    this.xLabels.forEach((el, i) => {
      el.setAttribute('x', String(pw * (at[i] ?? 0)));
    });
  }

  /** A y label's width: measured when the chart is rendered, estimated otherwise. */
  private labelWidth(el: SVGTextElement): number {
    const text = el.textContent ?? '';
    let measured = 0;
    try {
      measured = el.getComputedTextLength();
    } catch {
      // Not rendered (e.g. the page is hidden): fall back to the estimate.
    }
    return measured > 0 ? measured : estimateLabelWidth(text);
  }

  private render(now: number): void {
    const ph = H - PAD.top - PAD.bottom;
    const shown = this.current === null ? this.samples : [...this.samples, { t: now, count: this.current }];
    // The y labels depend only on the counts: set them first, then size the margin from them.
    const yMax = chartGeometry(shown, now, { width: 1, height: ph, windowMs: WINDOW_MS }).yMax;
    this.yTop.textContent = formatCount(yMax);
    const showMid = yMax % 2 === 0;
    this.yMid.textContent = showMid ? formatCount(yMax / 2) : '';
    this.gridMid.classList.toggle('is-hidden', !showMid);
    this.layout(leftPad([this.yTop, this.yMid].map((el) => this.labelWidth(el))));
    const pw = W - this.padLeft - PAD.right;
    const g = chartGeometry(shown, now, { width: pw, height: ph, windowMs: WINDOW_MS });
    this.area.setAttribute('d', g.area);
    this.line.setAttribute('d', g.line);
    this.dot.setAttribute('cx', String(g.last?.x ?? -10));
    this.dot.setAttribute('cy', String(g.last?.y ?? -10));
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
