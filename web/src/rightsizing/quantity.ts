import type { RecommendationSource, Resource } from "../api/types.js";

const dash = "–";
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** A number to `digits` significant digits, without trailing zeros (0.2500 → 0.25). */
export function significant(value: number, digits = 4): string {
  if (value === 0) return "0";
  return String(Number(value.toPrecision(digits)));
}

/**
 * CPU is in cores when the usage came from Prometheus; a CSV's CPU columns are in the file's own
 * unit (NAB's are percent), so they are shown as plain numbers. Memory is bytes either way.
 */
export function cpuUnit(source: RecommendationSource | null): string {
  return source?.kind === "prometheus" ? "cores" : "";
}

/** A request, limit or usage value as people read it: `0.253 cores`, `512 MiB`, `12.34`. */
export function quantity(value: number | null | undefined, resource: Resource, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return dash;
  if (resource === "memory") {
    if (Math.abs(value) >= GIB) return `${significant(value / GIB, 3)} GiB`;
    if (Math.abs(value) >= MIB) return `${significant(value / MIB, 3)} MiB`;
    return `${significant(value, 3)} B`;
  }
  return unit ? `${significant(value)} ${unit}` : significant(value);
}

/** A short axis label of the same unit (no unit word for CPU: the axis title says it). */
export function axisQuantity(value: number, resource: Resource): string {
  if (resource === "memory") {
    if (Math.abs(value) >= GIB) return `${significant(value / GIB, 3)}G`;
    if (Math.abs(value) >= MIB) return `${significant(value / MIB, 3)}M`;
    return significant(value, 3);
  }
  return significant(value, 3);
}
