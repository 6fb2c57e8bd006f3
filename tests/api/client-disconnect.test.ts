import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, it } from "vitest";
import { sample, testApps } from "../support/api-app.js";

const app = testApps();

/** Polls `condition` every few milliseconds until it holds or `timeoutMs` passes. */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<number> {
  const began = performance.now();
  while (!condition()) {
    if (performance.now() - began > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now() - began;
}

it("cancels the benchmark when the client hangs up", async () => {
  const t = await app();
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = t.app.server.address() as AddressInfo;

  // 20 jobs of 10 s, two at a time: 100 s if nothing stops it.
  const body = JSON.stringify({ num_jobs: 20, job_duration_ms: 10_000, concurrency: 2 });
  const client = request({
    host: "127.0.0.1",
    port,
    method: "POST",
    path: "/benchmark/run",
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
  });
  const closed = new Promise<void>((resolve) => client.on("close", () => resolve()));
  client.on("error", () => {}); // the abort below surfaces as a socket hang-up
  client.end(body);

  await waitFor(() => t.benchmarks.active === 1, 2000);
  client.destroy();
  await closed;

  const stoppedMs = await waitFor(() => t.benchmarks.active === 0, 2000);
  expect(stoppedMs).toBeLessThan(2000);
  // The cancelled run is still accounted for, with the jobs it started.
  const text = await t.metrics();
  expect(sample(text, "benchmark_runs_total")).toBe(1);
  expect(sample(text, "benchmark_jobs_total")!).toBeLessThanOrEqual(2);
});
