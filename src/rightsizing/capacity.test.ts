import { describe, expect, it } from "vitest";
import { parseThreshold, type Threshold } from "../engine/index.js";
import {
  deriveCapacity,
  evaluateSlo,
  linearFit,
  resourcesAt,
  type StepMeasurement,
  sloProblem,
} from "./capacity.js";

const threshold = (expression: string): Threshold => {
  const parsed = parseThreshold(expression);
  if ("error" in parsed) throw new Error(parsed.error);
  return parsed;
};
const slo = (...expressions: string[]) => expressions.map(threshold);

let next = 0;
function step(
  offeredLoad: number,
  p95: number | null,
  {
    replicas = 1,
    throughput = offeredLoad,
    errorRate = 0,
    cpuCores = null,
    memoryBytes = null,
  }: Partial<
    Pick<StepMeasurement, "replicas" | "throughput" | "errorRate" | "cpuCores" | "memoryBytes">
  > = {},
): StepMeasurement {
  return {
    step: next++,
    replicas,
    offeredLoad,
    throughput,
    errorRate,
    latencyMs: { p50: p95, p90: p95, p95, p99: p95, p999: p95, mean: p95, max: p95 },
    cpuCores,
    memoryBytes,
  };
}

describe("capacity at a latency SLO", () => {
  it.each([
    // [description, steps, expected capacity per replica, status]
    [
      "halfway in p95 between the last passing and first failing step",
      [step(10, 100), step(20, 200), step(40, 400)],
      30,
      "interpolated",
    ],
    ["at the crossing of p95, a quarter of the way", [step(100, 200), step(200, 600)], 125, "interpolated"],
    [
      "from achieved throughput when the failing step saturated",
      [step(100, 200), step(200, 400, { throughput: 120 })],
      110,
      "interpolated",
    ],
    [
      "as a lower bound when the SLO never failed",
      [step(10, 50), step(20, 80), step(40, 120)],
      40,
      "lower_bound",
    ],
    ["as unknown when the SLO failed at the lowest load", [step(10, 400), step(20, 900)], null, "never_held"],
  ])("is found %s", (_, steps, capacity, status) => {
    const result = deriveCapacity(steps, slo("p95<300ms"));
    if (capacity === null) expect(result.capacityPerReplica).toBeNull();
    else expect(result.capacityPerReplica).toBeCloseTo(capacity, 9);
    expect(result.status).toBe(status);
  });

  it("takes the expression crossed first when several fail at the same step", () => {
    // p95 crosses 300 at 3/4 of the way; the error rate crosses 1 % at 1/4.
    const steps = [step(100, 0), step(200, 400, { errorRate: 0.04 })];
    const result = deriveCapacity(steps, slo("p95<300ms", "error_rate<1%"));
    expect(result.capacityPerReplica).toBeCloseTo(125, 9);
    expect(result.byReplicas[0]?.bindingSlo).toBe("error_rate<1%");
  });

  it("bounds a never-held SLO from above by the lowest load, per replica", () => {
    const [group] = deriveCapacity([step(60, 500, { replicas: 3 })], slo("p95<300ms")).byReplicas;
    expect(group).toMatchObject({
      status: "never_held",
      upperBound: 20,
      firstFailingStep: expect.any(Number),
    });
  });

  it("flags a step that passes again above the first failure, and keeps the first failure", () => {
    const steps = [step(10, 100), step(20, 500), step(40, 200)];
    const [group] = deriveCapacity(steps, slo("p95<300ms")).byReplicas;
    expect(group?.nonMonotonic).toBe(true);
    expect(group?.capacityPerReplica).toBeCloseTo(15, 9);
  });

  it("sorts steps by offered load whatever the order they ran in", () => {
    const steps = [step(40, 400), step(10, 100), step(20, 200)];
    expect(deriveCapacity(steps, slo("p95<300ms")).capacityPerReplica).toBeCloseTo(30, 9);
  });

  it("treats a failing step without timed jobs as the bound itself", () => {
    const steps = [step(10, 100), step(20, null, { errorRate: 1 })];
    expect(deriveCapacity(steps, slo("p95<300ms")).capacityPerReplica).toBeCloseTo(10, 9);
  });

  it("answers no_steps for an experiment without steps", () => {
    expect(deriveCapacity([], slo("p95<300ms"))).toMatchObject({
      capacityPerReplica: null,
      status: "no_steps",
    });
  });
});

describe("capacity across replica counts", () => {
  it.each([
    // per-replica capacities 100 (1 replica), 90 (2), 80 (3): efficiencies 1, 0.9, 0.8
    [
      [1, 2, 3],
      [100, 90, 80],
      [1, 0.9, 0.8],
    ],
    [
      [2, 4],
      [50, 50],
      [1, 1],
    ],
  ])(
    "scales by replicas %j with per-replica capacities %j at efficiencies %j",
    (replicas, perReplica, efficiency) => {
      const steps = replicas.flatMap((r, i) => {
        const capacity = perReplica[i]! * r;
        // Passing at half the capacity, failing at 1.5×, p95 crossing 300 ms exactly at the capacity.
        return [step(capacity / 2, 200, { replicas: r }), step(capacity * 1.5, 400, { replicas: r })];
      });
      const result = deriveCapacity(steps, slo("p95<300ms"));
      expect(result.byReplicas.map((g) => g.replicas)).toEqual(replicas);
      result.byReplicas.forEach((g, i) => {
        expect(g.capacityPerReplica).toBeCloseTo(perReplica[i]!, 9);
        expect(g.scalingEfficiency).toBeCloseTo(efficiency[i]!, 9);
      });
      expect(result.capacityPerReplica).toBeCloseTo(Math.min(...perReplica), 9);
    },
  );

  it("reports no scaling efficiency with one replica count", () => {
    const result = deriveCapacity([step(10, 100), step(20, 400)], slo("p95<300ms"));
    expect(result.byReplicas[0]?.scalingEfficiency).toBeNull();
  });
});

describe("resource use per unit of load", () => {
  it("fits CPU per replica against throughput per replica over the steps within the SLO", () => {
    // 0.1 core idle + 0.01 core per job/s; the saturated step (pegged at 0.9) is left out.
    const steps = [
      step(20, 50, { replicas: 2, cpuCores: 0.2, memoryBytes: 1e8 }),
      step(40, 60, { replicas: 2, cpuCores: 0.3, memoryBytes: 1e8 }),
      step(80, 80, { replicas: 2, cpuCores: 0.5, memoryBytes: 1e8 }),
      step(200, 900, { replicas: 2, cpuCores: 0.9, memoryBytes: 1e8 }),
    ];
    const result = deriveCapacity(steps, slo("p95<300ms"));
    expect(result.cpuPerLoad).toMatchObject({ points: 3 });
    expect(result.cpuPerLoad?.slope).toBeCloseTo(0.01, 9);
    expect(result.cpuPerLoad?.intercept).toBeCloseTo(0.1, 9);
    expect(result.cpuPerLoad?.r2).toBeCloseTo(1, 9);
    expect(result.memoryPerLoad).toMatchObject({ slope: 0, intercept: 1e8, r2: null });
    expect(resourcesAt(result.cpuPerLoad!, 120 / 2)).toBeCloseTo(0.7, 9);
  });

  it.each([
    ["fewer than two points", [{ x: 1, y: 2 }]],
    [
      "a single x",
      [
        { x: 1, y: 2 },
        { x: 1, y: 3 },
      ],
    ],
  ])("has no fit with %s", (_, points) => {
    expect(linearFit(points)).toBeNull();
  });

  it("has no fit without Prometheus data", () => {
    expect(deriveCapacity([step(10, 100), step(20, 100)], slo("p95<300ms")).cpuPerLoad).toBeNull();
  });

  it("never answers a negative need", () => {
    expect(resourcesAt({ intercept: -1, slope: 0.01, r2: 1, points: 3 }, 10)).toBe(0);
  });
});

describe("SLO expressions", () => {
  it.each([
    ["p95<300ms", undefined],
    ["p(99.9)<2s", undefined],
    ["mean<50", undefined],
    ["error_rate<1%", undefined],
    ["success_rate>=99%", undefined],
    ["p97<300ms", /p50, p90, p95, p99 and p99.9/],
    ["min<1ms", /minimum/],
    ["throughput>100", /error_rate/],
    ["late_rate<1%", /error_rate/],
    ["cost<1", /error_rate/],
  ])("%s is %s", (expression, problem) => {
    const found = sloProblem(threshold(expression));
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it("judges each expression and holds only when all pass", () => {
    const verdict = evaluateSlo(step(10, 250, { errorRate: 0.02 }), slo("p95<300ms", "error_rate<1%"));
    expect(verdict.pass).toBe(false);
    expect(verdict.verdicts.map((v) => [v.expression, v.actual, v.pass])).toEqual([
      ["p95<300ms", 250, true],
      ["error_rate<1%", 0.02, false],
    ]);
  });
});
