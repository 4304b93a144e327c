// Load drivers: a closed loop (fixed number of requests in flight for a fixed time) and an open loop
// (a fixed arrival rate). Latency is per request, from process.hrtime.bigint() at send to completion.
import { summarize } from './stats.mjs';

const now = () => process.hrtime.bigint();

/**
 * Keeps `inFlight` calls of `op(i)` outstanding for `durationMs` after `warmupMs` of unmeasured
 * warm-up. Returns { ops, errors, seconds, rps, latency: {p50, p99, ...} (ms), firstError }.
 */
export async function closedLoop({ inFlight, durationMs, warmupMs = 1000, op }) {
  const latencies = [];
  let errors = 0;
  let firstError;
  let seq = 0;
  let measuring = false;
  let stop = false;
  const startAt = Date.now();
  let measureStart = 0n;
  let measureEnd = 0n;
  let measuredOps = 0;

  const warmupTimer = setTimeout(() => {
    measuring = true;
    measureStart = now();
  }, warmupMs);
  const stopTimer = setTimeout(() => {
    stop = true;
    measureEnd = now();
  }, warmupMs + durationMs);

  async function worker() {
    while (!stop) {
      const i = seq++;
      const counted = measuring;
      const t0 = now();
      try {
        await op(i);
        if (counted && !stop) {
          latencies.push(Number(now() - t0) / 1e6);
          measuredOps++;
        }
      } catch (error) {
        if (counted) errors++;
        firstError ??= error;
        if (errors > 1000 || Date.now() - startAt > warmupMs + durationMs + 30000) break;
      }
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  clearTimeout(warmupTimer);
  clearTimeout(stopTimer);
  if (measureEnd === 0n) measureEnd = now();
  const seconds = measureStart ? Number(measureEnd - measureStart) / 1e9 : NaN;
  return { ops: measuredOps, errors, seconds, rps: measuredOps / seconds, latency: summarize(latencies), firstError };
}

/**
 * Starts `op(i)` at `rate` per second for `durationMs` (after `warmupMs` at the same rate, not
 * measured), never more than `maxOutstanding` at once (arrivals beyond that are counted as dropped).
 */
export async function openLoop({ rate, durationMs, warmupMs = 1000, op, maxOutstanding = 2000 }) {
  const latencies = [];
  let errors = 0;
  let dropped = 0;
  let firstError;
  let outstanding = 0;
  let started = 0;
  const total = warmupMs + durationMs;
  const warmupCount = Math.floor((rate * warmupMs) / 1000);
  const pending = new Set();
  const t0 = now();

  const launch = (i) => {
    if (outstanding >= maxOutstanding) {
      if (i >= warmupCount) dropped++;
      return;
    }
    outstanding++;
    const sent = now();
    const p = Promise.resolve()
      .then(() => op(i))
      .then(
        () => {
          if (i >= warmupCount) latencies.push(Number(now() - sent) / 1e6);
        },
        (error) => {
          if (i >= warmupCount) errors++;
          firstError ??= error;
        },
      )
      .finally(() => {
        outstanding--;
        pending.delete(p);
      });
    pending.add(p);
  };

  await new Promise((resolve) => {
    const tick = () => {
      const elapsedMs = Number(now() - t0) / 1e6;
      const due = Math.min(Math.floor((rate * Math.min(elapsedMs, total)) / 1000), Math.floor((rate * total) / 1000));
      while (started < due) launch(started++);
      if (elapsedMs >= total) return resolve();
      setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.allSettled([...pending]);
  const measured = latencies.length;
  return { ops: measured, errors, dropped, rate, achievedRps: measured / (durationMs / 1000), latency: summarize(latencies), firstError };
}

/** Runs `op(i)` `count` times one after another; returns latency stats (ms) of each. */
export async function sequential({ count, warmup = 20, op }) {
  const latencies = [];
  let errors = 0;
  let firstError;
  for (let i = 0; i < warmup + count; i++) {
    const t = now();
    try {
      await op(i);
      if (i >= warmup) latencies.push(Number(now() - t) / 1e6);
    } catch (error) {
      errors++;
      firstError ??= error;
      if (errors > 50) break;
    }
  }
  return { ops: latencies.length, errors, latency: summarize(latencies), firstError };
}

/**
 * Offers several operations at once, each at its own fixed rate ({ name, rate, op }), until `stop()`
 * (a soak, not a throughput figure). Each completion calls `onResult(name, sentAtMs, latencyMs, error)`;
 * an arrival while `maxOutstanding` of that operation are still open is reported with an error
 * ('dropped'), so a service that falls behind shows as errors instead of an ever-growing queue here.
 */
export function fixedRates({ ops, onResult, maxOutstanding = 200, tickMs = 5 }) {
  const t0 = now();
  const state = ops.map((o) => ({ ...o, started: 0, outstanding: 0 }));
  const pending = new Set();
  const launch = (s, i) => {
    const sentAt = Date.now();
    if (s.outstanding >= (s.maxOutstanding ?? maxOutstanding)) {
      onResult(s.name, sentAt, NaN, new Error('dropped: too many outstanding'));
      return;
    }
    s.outstanding++;
    const sent = now();
    const p = Promise.resolve()
      .then(() => s.op(i))
      .then(
        () => onResult(s.name, sentAt, Number(now() - sent) / 1e6, undefined),
        (error) => onResult(s.name, sentAt, Number(now() - sent) / 1e6, error ?? new Error('failed')),
      )
      .finally(() => {
        s.outstanding--;
        pending.delete(p);
      });
    pending.add(p);
  };
  const timer = setInterval(() => {
    const elapsedS = Number(now() - t0) / 1e9;
    for (const s of state) {
      const due = Math.floor(s.rate * elapsedS);
      while (s.started < due) launch(s, s.started++);
    }
  }, tickMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.allSettled([...pending]);
    },
  };
}
