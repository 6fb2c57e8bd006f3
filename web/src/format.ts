/** Display formats: one place, so every page writes numbers the same way. */
const dash = "–";

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return dash;
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

export function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined) return dash;
  if (value >= 3600) return `${(value / 3600).toFixed(1)} h`;
  if (value >= 60) return `${Math.floor(value / 60)} m ${Math.round(value % 60)} s`;
  return `${value.toFixed(value < 10 ? 2 : 1)} s`;
}

export function percent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined) return dash;
  return `${(value * 100).toFixed(digits)} %`;
}

export function dollars(value: number | null | undefined): string {
  if (value === null || value === undefined) return dash;
  if (value === 0) return "$0";
  if (Math.abs(value) < 0.01) return `$${value.toPrecision(2)}`;
  return `$${value.toFixed(2)}`;
}

export function count(value: number | null | undefined): string {
  if (value === null || value === undefined) return dash;
  return value.toLocaleString("en-US");
}

export function rate(value: number | null | undefined): string {
  if (value === null || value === undefined) return dash;
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)}/s`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function when(iso: string | null | undefined): string {
  if (!iso) return dash;
  return dateTime.format(new Date(iso));
}

/** A signed change given in percent: +12.3 %. */
export function delta(value: number | null | undefined): string {
  if (value === null || value === undefined) return dash;
  return `${value > 0 ? "+" : ""}${value.toFixed(1)} %`;
}
