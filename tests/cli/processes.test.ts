import { describe, expect, it } from "vitest";
import type { RunResult } from "../../src/engine/index.js";
import { runCli, startCli } from "../support/spawn-cli.js";

describe("the aurea executable", () => {
  it("exits with the documented codes", async () => {
    expect((await runCli(["run", "--jobs", "10", "-q"])).code).toBe(0);
    expect(
      (await runCli(["run", "--jobs", "10", "--duration-ms", "5", "--threshold", "max<1ms", "-q"])).code,
    ).toBe(99);
    expect((await runCli(["run", "--jobs", "nope"])).code).toBe(2);
  });

  it("cancels the run on Ctrl-C, prints what it measured and exits 130", async () => {
    const { child, finished } = startCli([
      "run",
      "--jobs",
      "100000",
      "--concurrency",
      "10",
      "--duration-ms",
      "100",
      "--json",
      "--no-progress",
    ]);
    setTimeout(() => child.kill("SIGINT"), 1500);
    const r = await finished;
    expect(r.code).toBe(130);
    const result = JSON.parse(r.stdout) as RunResult;
    expect(result.cancelled).toBe(true);
    expect(result.counts.completed).toBeGreaterThan(0);
    expect(result.counts.total).toBeLessThan(100000);
  });

  it("serves the API and stops cleanly on SIGTERM", async () => {
    const { child, finished } = startCli(["serve", "--port", "0"], { LOG_LEVEL: "info" });
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d;
        const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
        if (match) resolve(match[1]!);
      });
      setTimeout(() => reject(new Error(`no listening line in ${out}`)), 10_000);
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    const run = await fetch(`${url}/benchmark/run`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ num_jobs: 10, job_duration_ms: 10 }),
    });
    expect(((await run.json()) as { completed_jobs: number }).completed_jobs).toBe(10);
    child.kill("SIGTERM");
    const r = await finished;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("aurea stopped");
  });

  it("refuses an invalid environment with a usage error", async () => {
    const r = await runCli(["serve"], { PORT: "http" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("PORT");
  });

  it.each([
    [["worker"], {}, "REDIS_URL"],
    [["worker"], { REDIS_URL: "redis://127.0.0.1:1" }, "DATABASE_URL"],
    [["serve", "--no-worker"], {}, "--no-worker needs REDIS_URL"],
    [["serve"], { REDIS_URL: "http://127.0.0.1:6379" }, "REDIS_URL"],
    [["serve"], { AUREA_QUEUE_PREFIX: "a b" }, "AUREA_QUEUE_PREFIX"],
  ] as const)("refuses `aurea %j` with %j as a usage error naming %s", async (args, env, named) => {
    const r = await runCli([...args], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(named);
  });

  it("reports a Redis it cannot reach at start with exit code 1 and no stack trace", async () => {
    const r = await runCli(["serve", "--port", "0"], { REDIS_URL: "redis://127.0.0.1:1" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot reach Redis at 127.0.0.1:1 (REDIS_URL)");
    expect(r.stderr).not.toMatch(/\bat .+\.(ts|js):\d+/);
  });
});
