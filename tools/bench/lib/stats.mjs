// Sample statistics and number formatting for the benchmark report.

/** Nearest-rank percentile of an ascending-sorted array (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Latencies in milliseconds (numbers) → { n, p50, p90, p99, max, mean }. */
export function summarize(latenciesMs) {
  const sorted = Float64Array.from(latenciesMs).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

export const nsToMs = (ns) => Number(ns) / 1e6;

export function fmtNum(value, digits = 0) {
  if (value === undefined || value === null || Number.isNaN(value)) return '—';
  return Number(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtMs(value) {
  if (value === undefined || value === null || Number.isNaN(value)) return '—';
  if (value < 1) return `${value.toFixed(3)} ms`;
  if (value < 10) return `${value.toFixed(2)} ms`;
  return `${value.toFixed(1)} ms`;
}

export function fmtRatio(value) {
  if (value === undefined || value === null || !Number.isFinite(value)) return '—';
  return `${value.toFixed(2)}×`;
}

/**
 * The two rows of an HTTP load figure: requests/s against the baseline with its ratio target,
 * and the p50/p99 latencies beside the baseline's.
 */
export function addThroughputRows(ctx, { step, figure, latencyFigure, ours, baseline, minRatio }) {
  const ratio = ours.rps / baseline.rps;
  ctx.add({
    step,
    figure,
    ours: fmtNum(ours.rps),
    baseline: fmtNum(baseline.rps),
    ratio: fmtRatio(ratio),
    target: `≥ ${minRatio.toFixed(2)}×`,
    result: ratio >= minRatio ? 'PASS' : 'MISS',
  });
  ctx.add({
    step,
    figure: latencyFigure,
    ours: `${fmtMs(ours.p50)} / ${fmtMs(ours.p99)}`,
    baseline: `${fmtMs(baseline.p50)} / ${fmtMs(baseline.p99)}`,
    ratio: '—',
    target: '—',
    result: 'info',
  });
  return ratio;
}
