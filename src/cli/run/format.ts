import { formatDuration } from "../../engine/index.js";

export const integer = (n: number): string => Math.round(n).toLocaleString("en-US");

export const rate = (n: number): string =>
  n >= 100 ? integer(n) : n.toLocaleString("en-US", { maximumFractionDigits: 1, minimumFractionDigits: 1 });

export const latency = (ms: number | null): string => (ms === null ? "–" : formatDuration(ms));

export const dollars = (n: number | null): string => {
  if (n === null) return "–";
  if (n === 0) return "$0";
  return n >= 1 ? `$${n.toFixed(2)}` : `$${n.toPrecision(3)}`;
};

export const percent = (fraction: number): string => `${(fraction * 100).toFixed(fraction < 0.1 ? 2 : 1)}%`;
