import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { CsvFormatError, type CsvProblem, parseUsageCsv } from "../../rightsizing/csv.js";
import { DEFAULT_MODELS, MODEL_NAMES, type ModelName, modelsByName } from "../../rightsizing/models/index.js";
import { recommendSeries, type SeriesResult } from "../../rightsizing/recommend.js";
import type { UsageSeries } from "../../rightsizing/series.js";
import { recommendInThreads } from "../../rightsizing/threads/recommend-in-threads.js";
import { collectUsage } from "../../services/rightsizing/collect-usage.js";
import { PrometheusClient, PrometheusError } from "../../services/rightsizing/prometheus-client.js";
import { standardQueries } from "../../services/rightsizing/usage-queries.js";
import { EXIT, UsageError } from "../exit-codes.js";
import { formatCsv, formatPatches, formatTable } from "../recommend/format.js";
import { buildReport } from "../../services/rightsizing/report.js";
import type { CommandIo } from "./run.js";

export interface RecommendOptions {
  csv?: string;
  prometheus?: string;
  namespace?: string;
  workload?: string;
  days?: string;
  step?: string;
  json?: boolean;
  output?: "table" | "json" | "csv" | "yaml";
  models?: string;
  quantile?: string;
  threads?: string;
  maxSeries?: string;
}

const positive = (name: string, value: string | undefined, fallback: number) => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${name} must be a positive number, got "${value}"`);
  return n;
};

/**
 * `aurea recommend`: usage from a CSV file or Prometheus → per-container requests, limits and
 * confidence with the VPA and KRR baselines. Exit 0 when every series got a recommendation, 1
 * when some did not (or CSV rows were skipped) — the others are still printed — 2 for usage errors.
 */
export async function recommendCommand(
  options: RecommendOptions,
  io: CommandIo,
  now: () => Date = () => new Date(),
) {
  if (!options.csv === !options.prometheus)
    throw new UsageError("give exactly one of --csv <file> or --prometheus <url>");
  if (options.prometheus && !options.namespace) throw new UsageError("--prometheus needs --namespace");
  const models = (options.models?.split(",") ?? DEFAULT_MODELS).map((m) => m.trim()) as ModelName[];
  for (const m of models)
    if (!MODEL_NAMES.includes(m))
      throw new UsageError(`unknown model "${m}" (models: ${MODEL_NAMES.join(", ")})`);
  const quantile = positive("--quantile", options.quantile, 0.97);
  if (quantile >= 1) throw new UsageError("--quantile must be below 1, e.g. 0.97");
  const output = options.json ? "json" : (options.output ?? "table");

  let series: UsageSeries[];
  let problems: CsvProblem[] = [];
  let source: string;
  const extra: { oomKillsAt?: ReadonlyMap<string, number[]>; throttled?: ReadonlySet<string> } = {};
  const notes: string[] = [];
  if (options.csv) {
    source = `csv:${options.csv}`;
    let text: string;
    try {
      text = await readFile(options.csv, "utf8");
    } catch (error) {
      throw new UsageError(
        `cannot read ${options.csv}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    try {
      const parsed = parseUsageCsv(text, basename(options.csv).replace(/\.csv$/i, ""));
      series = parsed.series;
      problems = parsed.problems;
      if (parsed.rows > 0 && problems.length === parsed.rows)
        throw new UsageError(
          `${options.csv}: none of the ${parsed.rows} rows could be read (line ${problems[0]?.line}: ${problems[0]?.reason})`,
        );
    } catch (error) {
      if (error instanceof CsvFormatError) throw new UsageError(`${options.csv}: ${error.message}`);
      throw error;
    }
  } else {
    const prometheus = options.prometheus as string;
    source = `prometheus:${prometheus}`;
    const days = positive("--days", options.days, 14);
    const step = positive("--step", options.step, 300);
    const end = Math.floor(now().getTime() / 1000 / step) * step;
    const client = new PrometheusClient(prometheus);
    try {
      const collected = await collectUsage(
        client,
        standardQueries(options.namespace as string, options.workload),
        {
          startSeconds: end - days * 86_400,
          endSeconds: end,
          stepSeconds: step,
          maxSeries: positive("--max-series", options.maxSeries, 200),
        },
      );
      series = collected.series;
      extra.oomKillsAt = collected.oomKillsAt;
      extra.throttled = collected.throttled;
      for (const q of collected.empty) notes.push(`no series for ${q}`);
    } catch (error) {
      if (error instanceof PrometheusError) {
        io.stderr.write(`aurea recommend: ${error.message}\n`);
        return EXIT.ERROR;
      }
      throw error;
    }
    if (series.length === 0) {
      io.stderr.write(
        `aurea recommend: Prometheus has no container usage for namespace "${options.namespace}"${options.workload ? ` and workload "${options.workload}"` : ""} in the last ${days} days (${notes.join("; ")})\n`,
      );
      return EXIT.ERROR;
    }
  }

  const threads = Math.max(1, Math.floor(positive("--threads", options.threads, availableParallelism())));
  const recommendOptions = { cpuQuantile: quantile };
  let results: SeriesResult[];
  if (threads > 1 && series.length >= 8)
    results = await recommendInThreads(series, { models, ...recommendOptions }, threads);
  else {
    results = [];
    const fitted = modelsByName(models);
    for (const s of series)
      results.push(
        await recommendSeries(s, {
          models: fitted,
          ...recommendOptions,
          oomKillsAt: extra.oomKillsAt?.get(s.name) ?? [],
          throttled: extra.throttled?.has(s.name) ?? false,
        }),
      );
  }

  const report = buildReport(source, now(), results, problems);
  if (output === "json") io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (output === "csv") io.stdout.write(formatCsv(report));
  else if (output === "yaml")
    io.stdout.write(
      formatPatches(report, (name) => {
        const [namespace, container] = name.includes("/")
          ? name.split("/", 2)
          : [options.namespace ?? "default", name];
        return {
          workload: {
            kind: "Deployment",
            name: options.workload ?? (container as string),
            namespace: namespace as string,
          },
          container: container as string,
        };
      }),
    );
  else io.stdout.write(formatTable(report));

  for (const p of problems.slice(0, 20)) io.stderr.write(`${options.csv}:${p.line}: skipped: ${p.reason}\n`);
  if (problems.length > 20) io.stderr.write(`… and ${problems.length - 20} more skipped rows\n`);
  for (const e of report.errors)
    io.stderr.write(`aurea recommend: ${e.name} (${e.resource}): no recommendation: ${e.message}\n`);
  for (const n of notes) io.stderr.write(`aurea recommend: note: ${n}\n`);
  if (report.recommendations.length === 0)
    io.stderr.write("aurea recommend: no series could be recommended\n");
  return report.errors.length > 0 || problems.length > 0 ? EXIT.ERROR : EXIT.OK;
}
