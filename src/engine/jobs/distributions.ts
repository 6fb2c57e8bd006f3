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

/**
 * Job durations in milliseconds from two uniform numbers in [0, 1) (`uniformAt` gives them per
 * job). Every distribution has `mean` as its mean.
 */
export class DurationSampler {
  readonly #distribution: DistributionName;
  readonly #mean: number;
  /** uniform: lower bound; normal: sd; lognormal: mu. */
  readonly #a: number;
  /** uniform: width; lognormal: sigma. */
  readonly #b: number;

  constructor({ distribution, mean, spread }: DistributionParams) {
    this.#distribution = distribution;
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

  /** Whether durations vary (draw uniforms only then). */
  get random(): boolean {
    return this.#distribution !== "fixed";
  }

  at(u: number, v: number): number {
    switch (this.#distribution) {
      case "fixed":
        return this.#mean;
      case "uniform":
        return this.#a + this.#b * u;
      case "normal":
        return Math.max(0, this.#mean + this.#a * gaussian(u, v));
      case "exponential":
        return -this.#mean * Math.log(1 - u);
      case "lognormal":
        return Math.exp(this.#a + this.#b * gaussian(u, v));
    }
  }
}

/** A standard normal variate from two uniforms (Box–Muller). */
function gaussian(u: number, v: number): number {
  return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
}
