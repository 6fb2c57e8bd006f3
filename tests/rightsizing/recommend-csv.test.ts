import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { execute } from "../../src/cli/program.js";
import { captureStream } from "../support/capture.js";

const NAB = join(import.meta.dirname, "../fixtures/nab");

async function aurea(...argv: string[]) {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await execute(argv, { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** 5-minute rows from 2026-01-05 00:00 UTC, `value(i)` each. */
function csv(points: number, value: (i: number) => string, header = "timestamp,value") {
  const start = Date.UTC(2026, 0, 5) / 1000;
  return [header, ...Array.from({ length: points }, (_, i) => `${start + i * 300},${value(i)}`)].join("\n");
}
const daily = (i: number) =>
  (1 + 0.5 * Math.sin((2 * Math.PI * i) / 288) + 0.05 * Math.sin(i * 1.7)).toFixed(4);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aurea-recommend-"));
});

describe("aurea recommend --csv", () => {
  it("prints the JSON contract for a NAB series: request, limit, confidence and both baselines", async () => {
    const file = join(dir, "rds.csv");
    await copyFile(join(NAB, "rds_cpu_utilization_cc0c53.csv"), file);
    const r = await aurea("recommend", "--csv", file, "--json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.recommendations).toHaveLength(1);
    const [rec] = report.recommendations;
    expect(rec.name).toBe("rds");
    // In the CSV's units (percent CPU): between the series' median and its maximum.
    expect(rec.cpu.request).toBeGreaterThan(5);
    expect(rec.cpu.request).toBeLessThan(100);
    expect(rec.cpu.limit).toBeGreaterThanOrEqual(rec.cpu.request);
    expect(rec.cpu.request_bounds[0]).toBeLessThanOrEqual(rec.cpu.request_bounds[1]);
    expect(rec.confidence).toBeGreaterThanOrEqual(0);
    expect(rec.confidence).toBeLessThanOrEqual(1);
    expect(rec.baselines.vpa.cpu.request).toBeGreaterThan(0);
    expect(rec.baselines.krr.cpu.request).toBeGreaterThan(0);
    expect(rec.cpu.forecast.point).toHaveLength(24);
    expect(rec.cpu.forecast.models.map((m: { name: string }) => m.name)).toEqual(["seasonal_naive", "mstl"]);
  });

  it("recommends every column of the multi-column form, memory as memory, and renders a patch", async () => {
    const file = join(dir, "multi.csv");
    const rows = csv(
      5 * 288,
      (i) => `${(Number(daily(i)) / 4).toFixed(4)},${Math.round(2e8 + 1e6 * Number(daily(i)))}`,
      "timestamp,api,api:memory",
    );
    await writeFile(file, rows);
    const r = await aurea("recommend", "--csv", file, "-o", "yaml");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# aurea recommendation, confidence \d\.\d\d/);
    expect(r.stdout).toContain('kind: "Deployment"');
    expect(r.stdout).toMatch(/requests:\n\s+cpu: "\d+m"\n\s+memory: "\d+Mi"/);
  });

  it.each([
    ["too little history", csv(2 * 288, daily), "too little history: 48.0 h, at least 72 h are needed"],
    ["a flat series", csv(4 * 288, () => "0.3"), "flat: every sample is 0.3"],
    ["an all-NaN series", csv(4 * 288, () => "NaN"), "every point is missing (NaN or absent)"],
  ])("exits 1 naming the problem for %s", async (_, content, message) => {
    const file = join(dir, "bad.csv");
    await writeFile(file, content);
    const r = await aurea("recommend", "--csv", file, "--json");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`aurea recommend: bad (cpu): no recommendation: ${message}`);
    expect(JSON.parse(r.stdout).errors[0].message).toContain(message);
  });

  it("reports bad rows by line, exits 1, and still recommends from the good rows", async () => {
    const file = join(dir, "rows.csv");
    const lines = csv(5 * 288, daily).split("\n");
    lines[10] = "not-a-time,1";
    lines[20] = `${lines[20]?.split(",")[0]},-4`;
    await writeFile(file, lines.join("\n"));
    const r = await aurea("recommend", "--csv", file, "--json");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:11: skipped: unreadable timestamp "not-a-time"`);
    expect(r.stderr).toContain(`${file}:21: skipped: negative usage -4 in column value`);
    const report = JSON.parse(r.stdout);
    expect(report.recommendations[0].cpu.request).toBeGreaterThan(1);
    expect(report.problems).toHaveLength(2);
  });

  it("gives partial results: one column recommended, the flat one refused", async () => {
    const file = join(dir, "partial.csv");
    await writeFile(
      file,
      csv(4 * 288, (i) => `${daily(i)},0`, "timestamp,good,stuck"),
    );
    const r = await aurea("recommend", "--csv", file, "--json");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.recommendations.map((e: { name: string }) => e.name)).toEqual(["good"]);
    expect(report.errors.map((e: { name: string }) => e.name)).toEqual(["stuck"]);
  });

  it.each([
    [["recommend"], "give exactly one of --csv <file> or --prometheus <url>"],
    [["recommend", "--csv", "/nonexistent.csv"], "cannot read /nonexistent.csv: ENOENT"],
    [["recommend", "--prometheus", "http://127.0.0.1:1"], "--prometheus needs --namespace"],
    [["recommend", "--csv", "x.csv", "--models", "arima"], 'unknown model "arima"'],
  ])("exits 2 on a usage error: %j", async (argv, message) => {
    const r = await aurea(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it("exits 2 for a file whose header is not usage CSV", async () => {
    const file = join(dir, "header.csv");
    await writeFile(file, "when,what\n1,2\n");
    const r = await aurea("recommend", "--csv", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('line 1: expected a header "timestamp,value"');
    expect(await readFile(file, "utf8")).toBe("when,what\n1,2\n");
  });
});
