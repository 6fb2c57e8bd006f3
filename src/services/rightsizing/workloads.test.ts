import { describe, expect, it } from "vitest";
import { modelsByName } from "../../rightsizing/models/index.js";
import { recommendSeries } from "../../rightsizing/recommend.js";
import type { UsageSeries } from "../../rightsizing/series.js";
import { buildReport } from "./report.js";
import { containerPlacer, groupByWorkload, workloadEntry } from "./workloads.js";

const PER_DAY = 288;
const models = modelsByName(["seasonal_naive", "mstl"]);
const cpu = (name: string, level: number, pods = 1): UsageSeries => ({
  name,
  resource: "cpu",
  startMs: Date.UTC(2026, 0, 5),
  stepMs: 300_000,
  values: Float64Array.from(
    { length: 8 * PER_DAY },
    (_, i) => pods * level * (1 + 0.3 * Math.sin((2 * Math.PI * i) / PER_DAY) + 0.05 * Math.sin(i * 1.3)),
  ),
});

/** The replicas of a one-container workload whose pods each use `cpu(level)`, from CPU (no cluster). */
async function replicasFromCpu(level: number, pods: number) {
  const one = cpu("shop/cart", level);
  const report = buildReport("test", new Date(0), [
    await recommendSeries(one, { models, cpuQuantile: 0.97, oomKillsAt: [], throttled: false }),
  ]);
  const [group] = groupByWorkload(report, containerPlacer({ namespace: "shop", kind: "Deployment" }));
  const total = cpu("shop/cart", level, pods);
  const entry = await workloadEntry(
    group as NonNullable<typeof group>,
    { workloadCpu: new Map([["shop/cart", total]]), models, quantile: 0.97 },
    null,
  );
  return { entry, request: report.recommendations[0]?.cpu?.request as number };
}

describe("workloadEntry from CPU", () => {
  // Levels whose 6-digit rounding of the request goes up for some and down for others.
  it.each([0.0123, 0.0199, 0.031, 0.047, 0.26, 0.5, 0.73, 1.9, 3.3, 7.1])(
    "gives a pod whose all-replicas CPU is its own one replica, whichever way its request was rounded (level %s)",
    async (level) => {
      const { entry, request } = await replicasFromCpu(level, 1);
      expect(entry.replicas).toMatchObject({
        basis: "cpu",
        recommended: 1,
        demand: request,
        capacity_per_replica: request,
        target_utilization: 1,
        binding_container: "shop/cart",
      });
      expect(entry).toMatchObject({ name: "cart", hpa: null, hpa_checked: false, replicas_error: null });
    },
  );

  it.each([0.0199, 0.5, 3.3])("keeps three identical pods at three replicas (level %s)", async (level) => {
    const { entry, request } = await replicasFromCpu(level, 3);
    expect(entry.replicas?.recommended).toBe(3);
    expect(entry.replicas?.demand).toBe(3 * request);
  });

  it("names the refused workloadCpu query when there is no all-replicas CPU", async () => {
    const one = cpu("shop/cart", 0.5);
    const report = buildReport("test", new Date(0), [
      await recommendSeries(one, { models, cpuQuantile: 0.97 }),
    ]);
    const [group] = groupByWorkload(report, containerPlacer({ namespace: "shop", kind: "Deployment" }));
    const entry = await workloadEntry(
      group as NonNullable<typeof group>,
      { workloadCpu: new Map(), workloadCpuError: "Prometheus refused it", models, quantile: 0.97 },
      null,
    );
    expect(entry.replicas).toBeNull();
    expect(entry.replicas_error).toBe("all replicas' CPU could not be read: Prometheus refused it");
  });
});
