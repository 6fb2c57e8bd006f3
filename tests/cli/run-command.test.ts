import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute } from "../../src/cli/program.js";
import type { RunResult } from "../../src/engine/index.js";
import { captureStream } from "../support/capture.js";
import { type LocalServer, localServer } from "../support/local-server.js";

async function aurea(...argv: string[]) {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await execute(argv, { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

let target: LocalServer;
beforeAll(async () => {
  target = await localServer((_request, response) => response.end("ok"));
});
afterAll(() => target.close());

describe("aurea run", () => {
  it("runs a synthetic workload from flags and prints a summary table", async () => {
    const r = await aurea(
      "run",
      "--jobs",
      "200",
      "--concurrency",
      "20",
      "--duration-ms",
      "5",
      "--no-progress",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("closed: 200 jobs at concurrency 20");
    expect(r.stdout).toMatch(/jobs\s+200 total\s+200 completed\s+0 failed/);
    expect(r.stdout).toMatch(/latency\s+mean 5\.\d+ms/);
  });

  it("prints the full result as JSON with --json", async () => {
    const r = await aurea(
      "run",
      "--jobs",
      "50",
      "--duration-ms",
      "1",
      "--json",
      "--no-progress",
      "--records",
      "3",
    );
    const result = JSON.parse(r.stdout) as RunResult;
    expect(result.counts.total).toBe(50);
    expect(result.records).toHaveLength(3);
    expect(typeof result.histogram).toBe("string");
    expect(result.timeline.length).toBeGreaterThan(0);
  });

  it("exits 0 when thresholds pass and 99 when one fails", async () => {
    const pass = await aurea(
      "run",
      "--jobs",
      "20",
      "--duration-ms",
      "2",
      "--threshold",
      "p95<1s",
      "--threshold",
      "error_rate<1%",
      "-q",
    );
    expect(pass.code).toBe(0);
    const fail = await aurea(
      "run",
      "--jobs",
      "20",
      "--duration-ms",
      "2",
      "--threshold",
      "p95<1ms",
      "--no-progress",
    );
    expect(fail.code).toBe(99);
    expect(fail.stdout).toMatch(/✗ p95<1ms/);
  });

  it("drives HTTP load with connections and pipelining", async () => {
    const r = await aurea(
      "run",
      "--url",
      target.url,
      "--connections",
      "4",
      "--pipelining",
      "2",
      "--duration",
      "300ms",
      "--json",
      "--no-progress",
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as RunResult;
    expect(result.counts.completed).toBeGreaterThan(100);
    expect(result.counts.failed).toBe(0);
  });

  it("runs an open model at a rate for a duration", async () => {
    const r = await aurea(
      "run",
      "--url",
      target.url,
      "--rate",
      "200",
      "--duration",
      "500ms",
      "--json",
      "--no-progress",
    );
    const result = JSON.parse(r.stdout) as RunResult;
    expect(result.counts.total).toBe(100);
  });

  it("runs a spec file, adding thresholds from the command line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aurea-cli-"));
    const file = join(dir, "spec.json");
    await writeFile(
      file,
      JSON.stringify({
        job: { kind: "synthetic", duration_ms: 2 },
        load: { model: "closed", jobs: 30, concurrency: 3 },
      }),
    );
    const r = await aurea("run", file, "--threshold", "p99<0.5ms", "--json", "--no-progress");
    expect(r.code).toBe(99);
    expect((JSON.parse(r.stdout) as RunResult).counts.total).toBe(30);
  });

  it("writes plain progress lines to stderr when it is not a terminal", async () => {
    const r = await aurea("run", "--jobs", "40", "--concurrency", "2", "--duration-ms", "30", "-q");
    expect(r.stderr).toBe("");
    const shown = await aurea("run", "--rate", "50", "--duration", "1.2s", "--duration-ms", "1");
    expect(shown.stderr).toMatch(/progress .*jobs/);
  });

  it.each([
    [["run", "--jobs", "ten"], "--jobs must be a number"],
    [["run", "--jobs", "0"], "load.jobs"],
    [["run", "--rate", "10"], "--rate needs --duration"],
    [["run", "--connections", "5"], "applies to HTTP runs only"],
    [["run", "--url", "ftp://example.com/"], "job.url"],
    [["run", "--jobs", "5", "--threshold", "p95 < fast"], "is not a threshold"],
    [["run", "--url", "http://127.0.0.1:1/", "-H", "NoColon"], "--header must look like"],
    [["run", "--stages", "30s"], "--stages takes duration:target pairs"],
    [["run", "/nonexistent/spec.json"], "cannot read spec file"],
    [["run", "--frobnicate"], "unknown option"],
    [["serve", "--port", "99999"], "must be an integer from 0 to 65535"],
  ])("rejects %j with exit code 2 and a message naming the problem", async (argv, message) => {
    const r = await aurea(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it("refuses a spec file that is not JSON, or combined with workload flags", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aurea-cli-"));
    const file = join(dir, "bad.json");
    await writeFile(file, "{ job: ");
    expect((await aurea("run", file)).stderr).toContain("is not valid JSON");
    await writeFile(file, "{}");
    const both = await aurea("run", file, "--jobs", "5");
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("drop --jobs");
  });

  it("prints help and version with exit code 0", async () => {
    const help = await aurea("run", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      "Exit codes: 0 ok, 1 error, 2 usage, 99 a threshold failed, 130 interrupted",
    );
    expect((await aurea("--version")).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
