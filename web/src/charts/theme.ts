/** Chart colours from the page's CSS variables, so charts follow the light or dark theme. */
export interface ChartTheme {
  text: string;
  grid: string;
  series: string[];
  good: string;
  bad: string;
}

const SERIES_VARS = ["--chart-1", "--chart-2", "--chart-3", "--chart-4"];

export function chartTheme(): ChartTheme {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string) => style.getPropertyValue(name).trim();
  return {
    text: v("--muted"),
    grid: v("--grid"),
    series: SERIES_VARS.map(v),
    good: v("--good"),
    bad: v("--bad"),
  };
}

/** Calls `onChange` when the system switches between light and dark. */
export function onSchemeChange(onChange: () => void): () => void {
  const query = window.matchMedia("(prefers-color-scheme: dark)");
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
}
