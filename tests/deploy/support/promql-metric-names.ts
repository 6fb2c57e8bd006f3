/**
 * The metric names a PromQL expression reads: every identifier that is not a function,
 * aggregation, keyword or label name. Label matchers (`{…}`), ranges (`[…]`), `by (…)` /
 * `without (…)` / `on (…)` / `ignoring (…)` / `group_left (…)` lists, strings, numbers,
 * durations and Grafana variables (`$__rate_interval`, `${x}`) are skipped; a
 * `{__name__="…"}` matcher names a metric too. An unknown function throws, so that a typo
 * is not mistaken for a metric.
 */
export function promqlMetricNames(expr: string): string[] {
  const names = new Set<string>();
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(expr, i);
    } else if (c === "{") {
      const end = closing(expr, i, "{", "}");
      for (const name of nameMatchers(expr.slice(i + 1, end))) names.add(name);
      i = end + 1;
    } else if (c === "[") {
      i = closing(expr, i, "[", "]") + 1;
    } else if (c === "$") {
      i = expr[i + 1] === "{" ? closing(expr, i + 1, "{", "}") + 1 : skip(expr, i + 1, IDENTIFIER);
    } else if (/[0-9.]/.test(c)) {
      i = skip(expr, i, NUMBER); // 0.95, 1e3, 0x1f, durations (5m)
    } else if (/[A-Za-z_:]/.test(c)) {
      const end = skip(expr, i, IDENTIFIER);
      const word = expr.slice(i, end);
      const next = nextNonSpace(expr, end);
      i = end;
      if (LABEL_LIST_KEYWORDS.has(word)) {
        if (expr[next] === "(") i = closing(expr, next, "(", ")") + 1;
      } else if (KEYWORDS.has(word) || AGGREGATIONS.has(word)) {
        // operators and aggregations (`sum by (le) (…)`, `… and on (x) …`)
      } else if (expr[next] === "(") {
        if (!FUNCTIONS.has(word)) throw new Error(`unknown PromQL function ${word}() in: ${expr}`);
      } else {
        names.add(word);
      }
    } else {
      i++;
    }
  }
  return [...names];
}

const IDENTIFIER = /[A-Za-z0-9_:]/;
const NUMBER = /[A-Za-z0-9_.]/;

function skip(expr: string, from: number, chars: RegExp): number {
  let i = from;
  while (i < expr.length && chars.test(expr[i]!)) i++;
  return i;
}

function nextNonSpace(expr: string, from: number): number {
  let i = from;
  while (i < expr.length && /\s/.test(expr[i]!)) i++;
  return i;
}

function skipString(expr: string, from: number): number {
  const quote = expr[from];
  let i = from + 1;
  while (i < expr.length && expr[i] !== quote) i += expr[i] === "\\" && quote !== "`" ? 2 : 1;
  return i + 1;
}

/** Index of the bracket closing the one at `from` (strings inside are skipped). */
function closing(expr: string, from: number, open: string, close: string): number {
  let depth = 0;
  let i = from;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(expr, i);
      continue;
    }
    if (c === open) depth++;
    else if (c === close && --depth === 0) return i;
    i++;
  }
  throw new Error(`unbalanced ${open} in: ${expr}`);
}

function nameMatchers(matchers: string): string[] {
  return [...matchers.matchAll(/__name__\s*=\s*"([A-Za-z_:][A-Za-z0-9_:]*)"/g)].map((m) => m[1]!);
}

/** Followed by a list of label names in parentheses. */
const LABEL_LIST_KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "atan2", "inf", "nan", "Inf", "NaN"]);
const AGGREGATIONS = new Set([
  "sum",
  "min",
  "max",
  "avg",
  "group",
  "stddev",
  "stdvar",
  "count",
  "count_values",
  "bottomk",
  "topk",
  "quantile",
  "limitk",
  "limit_ratio",
]);
const FUNCTIONS = new Set(
  `abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil changes clamp clamp_max
   clamp_min cos cosh count_over_time day_of_month day_of_week day_of_year days_in_month deg delta deriv exp
   floor histogram_avg histogram_count histogram_fraction histogram_quantile histogram_stddev histogram_stdvar
   histogram_sum double_exponential_smoothing holt_winters hour idelta increase info irate label_join
   label_replace last_over_time ln log10 log2 mad_over_time max_over_time min_over_time minute month pi
   predict_linear present_over_time quantile_over_time rad rate resets round scalar sgn sin sinh sort
   sort_by_label sort_by_label_desc sort_desc sqrt stddev_over_time stdvar_over_time sum_over_time tan tanh
   time timestamp vector year start end`.split(/\s+/),
);
