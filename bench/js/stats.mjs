// Measurement helpers shared by every row (runtime-neutral: Node, Deno, Bun, workerd).
//
// alternate(): every candidate is warmed up once, then the candidates run in turn, round after round (A B C A B C …),
// so that a noisy neighbour hurts all of them alike; each candidate's figure is the median of its rounds.

export const now = () => performance.now();

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * candidates: { name: async () => number }. Returns { name: { median, runs: [...] } }.
 * A candidate that throws is reported with median NaN and its error (the row then says so).
 */
export async function alternate(candidates, { warmup = 1, rounds = 5 } = {}) {
  const names = Object.keys(candidates);
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  const errors = {};
  for (let i = 0; i < warmup; i++) {
    for (const n of names) {
      try {
        await candidates[n]();
      } catch (e) {
        errors[n] = String(e?.stack ?? e);
      }
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (const n of names) {
      if (errors[n]) continue;
      try {
        runs[n].push(await candidates[n]());
      } catch (e) {
        errors[n] = String(e?.stack ?? e);
      }
    }
  }
  const out = {};
  for (const n of names) out[n] = { median: runs[n].length ? median(runs[n]) : NaN, runs: runs[n], error: errors[n] };
  return out;
}

/**
 * Times `fn` (synchronous) in a loop for about `ms` and returns the rate in `units` per second, where one call
 * does `unitsPerCall` units. Batches calls so that the clock is read rarely.
 */
export function rate(fn, unitsPerCall, ms = 200) {
  let batch = 1;
  // Calibrate: a batch of about 5 ms.
  for (;;) {
    const t0 = now();
    for (let i = 0; i < batch; i++) fn();
    const dt = now() - t0;
    if (dt >= 5 || batch >= 1 << 24) {
      batch = Math.max(1, Math.round((batch * 5) / Math.max(dt, 0.001)));
      break;
    }
    batch *= 4;
  }
  let calls = 0;
  const t0 = now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    t = now();
  }
  return (calls * unitsPerCall) / ((t - t0) / 1000);
}

/** A row of results.json: ratio > 1 always means hybi is better. */
export function row(name, unit, hybi, peer, peerName, higherIsBetter = true, extra = {}) {
  const ratio = higherIsBetter ? hybi / peer : peer / hybi;
  return { name, unit, hybi: round(hybi), peer: round(peer), peer_name: peerName, ratio: round(ratio, 3), ...extra };
}

export function round(x, digits) {
  if (!Number.isFinite(x)) return null;
  if (digits !== undefined) return Number(x.toFixed(digits));
  const a = Math.abs(x);
  return Number(a >= 1000 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 0.1 ? x.toFixed(3) : x.toPrecision(3));
}

export function pattern(n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 255;
  return b;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function sizeName(n) {
  return n >= 1 << 20 ? `${n >> 20} MiB` : n >= 1024 ? `${n >> 10} KiB` : `${n} B`;
}
