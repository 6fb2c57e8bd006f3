/**
 * A source of uniform numbers in [0, 1). Injected so that workloads are reproducible. An object
 * with a method rather than a closure: optimized callers then call one long-lived function.
 */
export interface Random {
  next(): number;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counter): fast, well distributed, 128 bits of state,
 * seeded from a 32-bit integer through splitmix32 so that nearby seeds give unrelated streams.
 */
class Sfc32 implements Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = splitmix();
    this.#b = splitmix();
    this.#c = splitmix();
    this.#d = splitmix();
  }

  next(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    const c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (c + t) >>> 0;
    return t / 4294967296;
  }
}

export function seededRandom(seed: number): Random {
  return new Sfc32(seed);
}

/** murmur3's 32-bit finalizer: every input bit flips about half of the output bits. */
function fmix32(h: number): number {
  let x = h >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * The `draw`-th uniform number in [0, 1) of job `index` under `seed`, computed from the three
 * alone: job `index` draws the same durations and failures whichever thread, shard or machine
 * runs it, and in whatever order, so a seeded workload split in parts gives the same jobs as the
 * whole.
 */
export function uniformAt(seed: number, index: number, draw: number): number {
  let h = fmix32(seed ^ Math.imul(draw + 1, 0x9e3779b9));
  h = fmix32(h ^ index);
  h = fmix32(h ^ Math.floor(index / 4294967296) ^ 0x5bd1e995);
  return h / 4294967296;
}
