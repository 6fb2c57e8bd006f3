import { seededRandom } from "../src/engine/random.js";
import type { UsageSeries } from "../src/rightsizing/series.js";

const STEP_MS = 300_000;
const PER_DAY = 288;
/** Monday 2026-01-05 00:00 UTC: weekly patterns fall on real weekdays. */
const START_MS = Date.UTC(2026, 0, 5);

/**
 * A seeded synthetic CPU series of the NAB files' form (5-minute points, 14 days), so that the
 * rightsizing bench is judged on more than three real series. Each seed draws a different mix:
 * base level (log-uniform 0.05–4 cores), a daily cycle (amplitude 0–90 % of the level, random
 * peak hour, sharper or smoother), a weekend dip (half of the series), a trend (−4 %…+6 % a day,
 * 40 %), 0–2 level shifts (×0.5…×1.8), bursts of spikes (1–6 intervals at 1.5–4× the level),
 * multiplicative noise (σ 3–35 %), and for some series missing points and a gap of hours.
 * None of these ranges was fitted to the NAB files; they describe usage as the VPA and KRR
 * documentation describe it.
 */
export function syntheticSeries(seed: number, days = 14): UsageSeries {
  const r = seededRandom(seed);
  const u = (a: number, b: number) => a + (b - a) * r.next();
  const chance = (p: number) => r.next() < p;
  const n = days * PER_DAY;
  const base = Math.exp(u(Math.log(0.05), Math.log(4)));
  const amplitude = u(0, 0.9);
  const peakAt = u(0, PER_DAY);
  const sharpness = chance(0.5) ? 1 : u(2, 6);
  const weekend = chance(0.5) ? u(0.4, 0.9) : 1;
  const trend = chance(0.4) ? u(-0.04, 0.06) : 0;
  const shifts = Array.from({ length: Math.floor(u(0, 3)) }, () => ({
    at: Math.floor(u(PER_DAY, n)),
    factor: u(0.5, 1.8),
  }));
  const noise = u(0.03, 0.35);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const day = Math.floor(i / PER_DAY);
    const phase = (2 * Math.PI * (i - peakAt)) / PER_DAY;
    const cycle = ((1 + Math.cos(phase)) / 2) ** sharpness;
    let level = base * (1 + amplitude * (cycle - 0.5)) * (1 + trend * (i / PER_DAY));
    if (day % 7 >= 5) level *= weekend;
    for (const s of shifts) if (i >= s.at) level *= s.factor;
    // Log-normal noise with mean 1: usage wobbles in proportion to its level.
    const z = Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
    values[i] = Math.max(0, level * Math.exp(noise * z - (noise * noise) / 2));
  }
  const bursts = Math.floor(u(0, 12));
  for (let b = 0; b < bursts; b++) {
    const at = Math.floor(u(0, n));
    const length = Math.floor(u(1, 7));
    const height = u(1.5, 4);
    for (let i = at; i < Math.min(n, at + length); i++) values[i] = (values[i] as number) * height;
  }
  if (chance(0.3)) {
    const share = u(0, 0.03);
    for (let i = 0; i < n; i++) if (r.next() < share) values[i] = Number.NaN;
    const gapAt = Math.floor(u(0, n));
    const gap = Math.floor(u(12, 48));
    for (let i = gapAt; i < Math.min(n, gapAt + gap); i++) values[i] = Number.NaN;
  }
  return { name: `synthetic-${seed}`, resource: "cpu", startMs: START_MS, stepMs: STEP_MS, values };
}
