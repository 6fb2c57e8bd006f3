import { twoSidedPValue } from "./compare-normal.js";

/**
 * Two-proportion z-test with the pooled proportion (the test of equal proportions): is
 * `eventsA / totalA` different from `eventsB / totalB`? z is positive when A's proportion is higher.
 * The normal approximation is rough when a run has only a handful of events; callers also
 * require a minimum relative change, which keeps a few stray failures from being called a change.
 */
export function twoProportionZTest(
  eventsA: number,
  totalA: number,
  eventsB: number,
  totalB: number,
): { z: number; p: number } {
  if (!(totalA > 0 && totalB > 0)) throw new RangeError("twoProportionZTest needs two non-empty samples");
  const pooled = (eventsA + eventsB) / (totalA + totalB);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / totalA + 1 / totalB));
  // Both runs all failures or all successes: nothing differs.
  if (!(standardError > 0)) return { z: 0, p: 1 };
  const z = (eventsA / totalA - eventsB / totalB) / standardError;
  return { z, p: twoSidedPValue(z) };
}
