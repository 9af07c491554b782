// Small, dependency-free statistics for the bench: medians across repetitions,
// percentiles across latency samples.

/** Nearest-rank percentile (p in 0..100) of a numeric array; NaN when empty. */
export function percentile(values, p) {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * xs.length);
  return xs[Math.min(xs.length - 1, Math.max(0, rank - 1))];
}

/** Median; the mean of the two middle values for even counts. NaN when empty. */
export function median(values) {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = xs.length >> 1;
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/** p50/p99/max/count of latency samples in ms. */
export function summarize(samples) {
  return {
    count: samples.length,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: samples.length ? Math.max(...samples) : NaN,
  };
}

/**
 * Medians, key by key, of an array of flat `{figure: number}` records (one per
 * repetition); missing figures stay NaN so the table can print n/a.
 */
export function medianRecords(records) {
  const keys = new Set(records.flatMap((r) => Object.keys(r ?? {})));
  const out = {};
  for (const k of keys) out[k] = median(records.map((r) => r?.[k]));
  return out;
}
