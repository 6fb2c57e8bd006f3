/** A piecewise-linear profile over time: k6-style stages `[{duration, target}]` from `start`. */
export interface Stage {
  /** ms */
  duration: number;
  target: number;
}

export class Profile {
  readonly #starts: number[] = [];
  readonly #from: number[] = [];
  readonly stages: readonly Stage[];
  /** Total duration, ms. */
  readonly duration: number;

  constructor(start: number, stages: readonly Stage[]) {
    this.stages = stages;
    let t = 0;
    let from = start;
    for (const stage of stages) {
      this.#starts.push(t);
      this.#from.push(from);
      t += stage.duration;
      from = stage.target;
    }
    this.duration = t;
  }

  /** Value at `t` ms from the start (the last target after the end). */
  valueAt(t: number): number {
    const i = this.#stageAt(t);
    if (i < 0) return this.stages.at(-1)?.target ?? 0;
    const stage = this.stages[i]!;
    const from = this.#from[i]!;
    if (stage.duration === 0) return stage.target;
    const f = (t - this.#starts[i]!) / stage.duration;
    return from + (stage.target - from) * f;
  }

  /** ∫₀ᵗ value, in value·ms. */
  integralTo(t: number): number {
    let total = 0;
    for (let i = 0; i < this.stages.length; i++) {
      const stage = this.stages[i]!;
      const s0 = this.#starts[i]!;
      if (t <= s0) break;
      const span = Math.min(t - s0, stage.duration);
      const from = this.#from[i]!;
      const slope = stage.duration === 0 ? 0 : (stage.target - from) / stage.duration;
      total += from * span + (slope * span * span) / 2;
    }
    return total;
  }

  /** The smallest `t` with `integralTo(t) >= area`, or `Infinity` past the end. */
  timeForIntegral(area: number): number {
    let before = 0;
    for (let i = 0; i < this.stages.length; i++) {
      const stage = this.stages[i]!;
      const from = this.#from[i]!;
      const slope = stage.duration === 0 ? 0 : (stage.target - from) / stage.duration;
      const whole = from * stage.duration + (slope * stage.duration * stage.duration) / 2;
      if (before + whole >= area && whole > 0) {
        const a = area - before;
        return this.#starts[i]! + solveSpan(from, slope, a, stage.duration);
      }
      before += whole;
    }
    return Number.POSITIVE_INFINITY;
  }

  #stageAt(t: number): number {
    if (t >= this.duration) return -1;
    for (let i = this.stages.length - 1; i >= 0; i--) if (t >= this.#starts[i]!) return i;
    return 0;
  }
}

/** Solves from·x + slope·x²/2 = a for x in [0, limit]. */
function solveSpan(from: number, slope: number, a: number, limit: number): number {
  if (a <= 0) return 0;
  if (Math.abs(slope) < 1e-15) return Math.min(limit, a / from);
  // Numerically stable root of (slope/2)x² + from·x − a = 0.
  const disc = from * from + 2 * slope * a;
  const x = (2 * a) / (from + Math.sqrt(Math.max(0, disc)));
  return Math.min(limit, x);
}
