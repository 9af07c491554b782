// Formats the one results table, as Markdown (printed to the terminal and
// written to RESULTS.md, so both show the same thing).

/** A figure with its unit; n/a for NaN, undefined or null. */
export function fmt(value, unit = '') {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const s = new Intl.NumberFormat('en-US', { maximumFractionDigits: digits }).format(value);
  return unit ? `${s} ${unit}` : s;
}

export function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return 'n/a';
  return `${(a / b).toFixed(2)}×`;
}

/**
 * rows: [{scenario, figure, unit, st, bare, sio, target, met, ratios}] where
 * `met` is true/false/undefined (undefined: no target or not measurable) and
 * `ratios: false` blanks the ratio columns (ratios of deltas mean nothing).
 */
export function renderTable(rows) {
  const header = ['scenario', 'figure', 'session-tracker', 'bare ws', 'socket.io', 'st / bare', 'st / socket.io', 'target', 'met'];
  const body = rows.map((r) => [
    r.scenario,
    r.figure,
    fmt(r.st, r.unit),
    fmt(r.bare, r.unit),
    fmt(r.sio, r.unit),
    r.ratios === false ? '' : ratio(r.st, r.bare),
    r.ratios === false ? '' : ratio(r.st, r.sio),
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => String(row[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
