/**
 * `npm run bench:rightsizing [accuracy] [oracle] [frontier] [models] [lstm] [timing]
 * [--models a,b,…] [--folds n]` (default: all sections but lstm; the default models and backtest
 * folds; `--models`/`--folds` change them for the accuracy and timing sections): rolling-origin evaluation of Aurea's recommendations against the VPA
 * recommender and KRR simple on the NAB development set and a seeded synthetic set of the same
 * form, what a clairvoyant constant request could reach on the same windows, the models'
 * forecast skill, and the time to recommend 500 series of 14 days.
 */
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parseUsageCsv } from "../src/rightsizing/csv.js";
import { evaluateSeries, type SeriesEvaluation, scoreRequest } from "../src/rightsizing/evaluate.js";
import { DEFAULT_MODELS, type ModelName, modelsByName } from "../src/rightsizing/models/index.js";
import type { UsageSeries } from "../src/rightsizing/series.js";
import { recommendInThreads } from "../src/rightsizing/threads/recommend-in-threads.js";
import { frontier } from "./rightsizing-frontier.js";
import { syntheticSeries } from "./rightsizing-synthetic.js";

const NAB_DIR = join(import.meta.dirname, "../tests/fixtures/nab");
const SYNTHETIC = 40;
const DAY_MS = 24 * 3600_000;

function nabSeries(): UsageSeries[] {
  return readdirSync(NAB_DIR)
    .filter((f) => f.endsWith(".csv"))
    .sort()
    .map(
      (f) =>
        parseUsageCsv(readFileSync(join(NAB_DIR, f), "utf8"), f.replace(/\.csv$/, ""))
          .series[0] as UsageSeries,
    );
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
const f2 = (x: number) => x.toFixed(2).padStart(5);

function printTable(title: string, rows: readonly SeriesEvaluation[]) {
  console.log(`\n${title}`);
  console.log(
    `${"series".padEnd(30)} ${"Aurea short".padStart(11)} ${"slack".padStart(7)} | ${"VPA short".padStart(9)} ${"slack".padStart(7)} | ${"KRR short".padStart(9)} ${"slack".padStart(7)} | MASE fused naive ratio`,
  );
  for (const r of rows)
    console.log(
      `${r.name.padEnd(30)} ${pct(r.aurea.shortfall).padStart(11)} ${pct(r.aurea.slack)} | ${pct(r.vpa.shortfall).padStart(9)} ${pct(r.vpa.slack)} | ${pct(r.krr.shortfall).padStart(9)} ${pct(r.krr.slack)} | ${f2(r.fusedMase)} ${f2(r.naiveMase)} ${f2(r.fusedMase / r.naiveMase)}${r.failures.length ? `  (${r.failures.length} origins failed)` : ""}`,
    );
  const avg = (pick: (r: SeriesEvaluation) => number) => rows.reduce((s, r) => s + pick(r), 0) / rows.length;
  const a = { s: avg((r) => r.aurea.shortfall), l: avg((r) => r.aurea.slack) };
  const v = { s: avg((r) => r.vpa.shortfall), l: avg((r) => r.vpa.slack) };
  const k = { s: avg((r) => r.krr.shortfall), l: avg((r) => r.krr.slack) };
  const fused = avg((r) => r.fusedMase);
  const naive = avg((r) => r.naiveMase);
  console.log(
    `${"average".padEnd(30)} ${pct(a.s).padStart(11)} ${pct(a.l)} | ${pct(v.s).padStart(9)} ${pct(v.l)} | ${pct(k.s).padStart(9)} ${pct(k.l)} | ${f2(fused)} ${f2(naive)} ${f2(fused / naive)}`,
  );
  const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
  console.log(
    `  vs VPA: fewer shortfalls ${verdict(a.s < v.s)}, less slack ${verdict(a.l < v.l)}; vs KRR: fewer shortfalls ${verdict(a.s < k.s)}, less slack ${verdict(a.l < k.l)}; MASE ≤ 0.9× seasonal naive ${verdict(fused <= 0.9 * naive)} (${f2(fused / naive)}×)`,
  );
}

async function evaluateAll(series: readonly UsageSeries[], models: readonly ModelName[], extra = {}) {
  const out: SeriesEvaluation[] = [];
  for (const s of series) out.push(await evaluateSeries(s, { models: modelsByName(models), ...extra }));
  return out;
}

async function accuracy() {
  const t = performance.now();
  const nab = await evaluateAll(nabSeries(), MODELS, FOLDS);
  printTable(
    `NAB development set, models ${MODELS.join(" + ")}${FOLDS.folds ? `, ${FOLDS.folds} folds` : ""} (origins days 7…13, 24 h ahead)`,
    nab,
  );
  const synthetic = await evaluateAll(
    Array.from({ length: SYNTHETIC }, (_, i) => syntheticSeries(i + 1)),
    MODELS,
    FOLDS,
  );
  printTable(`Synthetic set (${SYNTHETIC} seeded series)`, synthetic);
  printTable("All series", [...nab, ...synthetic]);
  console.log(`(accuracy section: ${((performance.now() - t) / 1000).toFixed(0)} s)`);
}

/** Does Prophet (and, with `lstm`, the LSTM) earn a place in the fusion? Fewer origins: they are slow. */
async function modelStudy(withLstm: boolean) {
  const sets: ModelName[][] = [
    ["seasonal_naive"],
    ["seasonal_naive", "mstl"],
    ["seasonal_naive", "mstl", "prophet"],
  ];
  if (withLstm) sets.push(["seasonal_naive", "mstl", "prophet", "lstm"]);
  const series = [
    ...nabSeries(),
    ...Array.from({ length: withLstm ? 3 : 12 }, (_, i) => syntheticSeries(i + 1)),
  ];
  for (const models of sets) {
    const t = performance.now();
    const rows = await evaluateAll(series, models, { originStepMs: 2 * DAY_MS, folds: 2 });
    printTable(`Models ${models.join(" + ")} (origins days 7, 9, 11, 13; 2 backtest folds)`, rows);
    console.log(
      `  (${((performance.now() - t) / 1000).toFixed(1)} s for ${series.length} series × 4 origins)`,
    );
  }
}

/**
 * The clairvoyant bound: on each window the bench scores (origins days 7…13, the next 24 h), the
 * constant request that sees the window's own usage. Averages weigh each series equally, as the
 * accuracy tables do. With a Lagrange multiplier λ each window takes the request minimising
 * slack + λ · shortfall among its own usage values; sweeping λ traces the lowest average slack
 * reachable at each average shortfall — no recommender, however it forecasts, can be below it.
 */
function oracle() {
  const windows: { weight: number; curve: { shortfall: number; slack: number }[] }[] = [];
  const all = [...nabSeries(), ...Array.from({ length: SYNTHETIC }, (_, i) => syntheticSeries(i + 1))];
  for (const series of all) {
    const horizon = Math.round(DAY_MS / series.stepMs);
    const origins: number[] = [];
    for (let o = Math.round((7 * DAY_MS) / series.stepMs); o + horizon <= series.values.length; o += horizon)
      origins.push(o);
    for (const o of origins) {
      const future = series.values.subarray(o, o + horizon);
      const candidates = [...new Set(Array.from(future).filter((v) => Number.isFinite(v) && v > 0))];
      windows.push({
        weight: 1 / (origins.length * all.length),
        curve: candidates.map((request) => scoreRequest(future, request)),
      });
    }
  }
  const at = (lambda: number) => {
    let shortfall = 0;
    let slack = 0;
    for (const w of windows) {
      let best = w.curve[0] as { shortfall: number; slack: number };
      for (const p of w.curve)
        if (p.slack + lambda * p.shortfall < best.slack + lambda * best.shortfall) best = p;
      shortfall += w.weight * best.shortfall;
      slack += w.weight * best.slack;
    }
    return { shortfall, slack };
  };
  console.log(
    `\nClairvoyant constant request, all ${all.length} series (the lowest average slack at each average shortfall)`,
  );
  console.log(`${"shortfall".padStart(10)} ${"slack".padStart(7)}`);
  for (const lambda of [0.5, 1, 1.5, 2, 2.25, 2.5, 2.75, 3, 4, 5, 8, 12, 20, 40]) {
    const p = at(lambda);
    console.log(`${pct(p.shortfall).padStart(10)} ${pct(p.slack)}`);
  }
}

async function timing() {
  const series = Array.from({ length: 500 }, (_, i) => syntheticSeries(10_000 + i));
  const threads = availableParallelism();
  const t = performance.now();
  const results = await recommendInThreads(series, { models: MODELS, ...FOLDS }, threads);
  const seconds = (performance.now() - t) / 1000;
  const failed = results.filter((r) => !r.ok).length;
  console.log(
    `\n500 series × ${series[0]?.values.length} points, models ${MODELS.join(" + ")}, ${threads} threads: ${seconds.toFixed(1)} s (${failed} refused) — target < 60 s ${seconds < 60 ? "met" : "NOT met"}`,
  );
}

/** `--name value` from the command line, and the words that are not options (the sections). */
function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
}
const MODELS = (option("models")?.split(",") as ModelName[] | undefined) ?? DEFAULT_MODELS;
const FOLDS = option("folds") ? { folds: Number(option("folds")) } : {};
const wanted = process.argv
  .slice(2)
  .filter((word, i, all) => !word.startsWith("--") && !all[i - 1]?.startsWith("--"));
const sections = wanted.length ? wanted : ["accuracy", "oracle", "frontier", "models", "timing"];
if (sections.includes("accuracy")) await accuracy();
if (sections.includes("oracle")) oracle();
if (sections.includes("frontier"))
  await frontier([...nabSeries(), ...Array.from({ length: SYNTHETIC }, (_, i) => syntheticSeries(i + 1))]);
if (sections.includes("models") || sections.includes("lstm")) await modelStudy(sections.includes("lstm"));
if (sections.includes("timing")) await timing();
