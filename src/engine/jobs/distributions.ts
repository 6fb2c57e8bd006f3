import type { Random } from "../random.js";

export const DISTRIBUTIONS = ["fixed", "uniform", "normal", "exponential", "lognormal"] as const;
export type DistributionName = (typeof DISTRIBUTIONS)[number];

export interface DistributionParams {
  distribution: DistributionName;
  /** Mean duration in ms. */
  mean: number;
  /**
   * uniform: half-width of the interval (default: the mean, so [0, 2·mean]);
   * normal and lognormal: standard deviation (default: a quarter of the mean);
   * fixed and exponential: not used.
   */
  spread?: number | undefined;
}

/** Draws job durations in milliseconds. Every distribution has `mean` as its mean. */
export class DurationSampler {
  readonly #distribution: DistributionName;
  readonly #random: Random;
  readonly #mean: number;
  /** uniform: lower bound; normal: sd; lognormal: mu. */
  readonly #a: number;
  /** uniform: width; lognormal: sigma. */
  readonly #b: number;
  #spare = Number.NaN;

  constructor({ distribution, mean, spread }: DistributionParams, random: Random) {
    this.#distribution = distribution;
    this.#random = random;
    this.#mean = mean;
    switch (distribution) {
      case "uniform": {
        const half = Math.min(spread ?? mean, mean);
        this.#a = mean - half;
        this.#b = 2 * half;
        break;
      }
      case "normal":
        this.#a = spread ?? mean / 4;
        this.#b = 0;
        break;
      case "lognormal": {
        // Parameters of the underlying normal chosen so the lognormal has this mean and sd.
        const sd = spread ?? mean / 4;
        const sigma2 = mean === 0 ? 0 : Math.log(1 + (sd / mean) ** 2);
        this.#a = mean === 0 ? Number.NEGATIVE_INFINITY : Math.log(mean) - sigma2 / 2;
        this.#b = Math.sqrt(sigma2);
        break;
      }
      default:
        this.#a = 0;
        this.#b = 0;
    }
  }

  next(): number {
    switch (this.#distribution) {
      case "fixed":
        return this.#mean;
      case "uniform":
        return this.#a + this.#b * this.#random.next();
      case "normal":
        return Math.max(0, this.#mean + this.#a * this.#gaussian());
      case "exponential":
        return -this.#mean * Math.log(1 - this.#random.next());
      case "lognormal":
        return Math.exp(this.#a + this.#b * this.#gaussian());
    }
  }

  /** Standard normal variates by the Box–Muller transform, using both outputs of each pair. */
  #gaussian(): number {
    if (!Number.isNaN(this.#spare)) {
      const value = this.#spare;
      this.#spare = Number.NaN;
      return value;
    }
    const u = 1 - this.#random.next();
    const v = this.#random.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
