import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./redis.js";
import { hasCommand } from "./tools.js";

export const hasPrometheus = hasCommand("prometheus") && hasCommand("promtool");

export const NAB_53EA38 = join(import.meta.dirname, "../fixtures/nab/ec2_cpu_utilization_53ea38.csv");

export interface BackfilledPrometheus {
  url: string;
  /** The last sample's time (Unix seconds, a whole minute). */
  end: number;
  stop(): Promise<void>;
}

/**
 * A real Prometheus on a TSDB backfilled with promtool: NAB's CPU percent as the counter
 * container_cpu_usage_seconds_total of container "cart" in namespace "shop" (percent / 100
 * cores, one sample a minute, ending two minutes ago) and a memory gauge for it; a second
 * container "web" at a constant half core.
 */
export async function startNabPrometheus(nabFile = NAB_53EA38): Promise<BackfilledPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), "aurea-rightsizing-prom-"));
  const rows = (await readFile(nabFile, "utf8")).trim().split("\n").slice(1);
  const percent = rows.map((r) => Number(r.split(",")[1]));
  const end = Math.floor(Date.now() / 1000 / 60) * 60 - 120;
  const minutes = percent.length * 5;
  const start = end - (minutes - 1) * 60;
  const cpu: string[] = [];
  const web: string[] = [];
  const memory: string[] = [];
  let counter = 0;
  let webCounter = 0;
  for (let m = 0; m < minutes; m++) {
    const t = start + m * 60;
    counter += ((percent[Math.floor(m / 5)] as number) / 100) * 60;
    webCounter += 0.5 * 60;
    cpu.push(
      `container_cpu_usage_seconds_total{namespace="shop",pod="cart-1",container="cart"} ${counter.toFixed(3)} ${t}`,
    );
    web.push(
      `container_cpu_usage_seconds_total{namespace="shop",pod="web-1",container="web"} ${webCounter} ${t}`,
    );
    memory.push(
      `container_memory_working_set_bytes{namespace="shop",pod="cart-1",container="cart"} ${Math.round(2e8 + 1e6 * (percent[Math.floor(m / 5)] as number))} ${t}`,
    );
  }
  const text = [
    "# TYPE container_cpu_usage_seconds_total counter",
    ...cpu,
    ...web,
    "# TYPE container_memory_working_set_bytes gauge",
    ...memory,
  ].join("\n");
  await writeFile(join(dir, "data.om"), `${text}\n# EOF\n`);
  const created = spawnSync(
    "promtool",
    ["tsdb", "create-blocks-from", "openmetrics", join(dir, "data.om"), join(dir, "tsdb")],
    { encoding: "utf8" },
  );
  if (created.status !== 0) throw new Error(`promtool failed: ${created.stderr}`);
  await writeFile(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 1m\n");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const prometheus: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "tsdb")}`,
      "--storage.tsdb.retention.time=60d",
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: "ignore" },
  );
  const stop = async () => {
    prometheus.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, end, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error("prometheus did not become ready");
}

/** Range queries Prometheus has answered so far, from its own metrics. */
export async function queryRangeRequests(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith('prometheus_http_requests_total{code="200",handler="/api/v1/query_range"}'));
  return line ? Number(line.split(" ").at(-1)) : 0;
}
