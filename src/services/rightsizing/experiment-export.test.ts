import { describe, expect, it } from "vitest";
import { experimentCsv } from "./experiment-export.js";
import type { StepMeasurements, StepRecord } from "./experiment-runner.js";

const measured = (step: number, replicas: number, load: number, sloPassed: boolean): StepRecord => ({
  step,
  replicas,
  load,
  status: "complete",
  runId: 100 + step,
  measurements: {
    throughput: load,
    throughput_per_replica: load / replicas,
    slo_passed: sloPassed,
    latency_ms: { p50: 1, p90: 2, p95: 3, p99: 4, p999: 5, mean: 1, max: 6 },
    window: { start: "2026-12-02T00:00:00.000Z", end: "2026-12-02T00:00:01.000Z" },
    problems: [],
  } as unknown as StepMeasurements,
  startedAt: new Date(0),
  finishedAt: new Date(1000),
});

/** Each row's step, replicas, status, offered rate and problems. */
const rows = (csv: string) =>
  csv
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => {
      const cells = line.split(",");
      return [cells[0], cells[1], cells[2], cells[3], cells.at(-1)].join(" ");
    });

describe("experimentCsv", () => {
  const spec = { rates: [10, 20, 30], replicas: [1, 2], continue_after_failure: false };

  it.each([
    {
      case: "an experiment that ended: a rate after a failure is skipped, the steps it never reached not run",
      ended: true,
      expected: [
        "1 1 complete 10 ",
        "2 1 complete 20 ",
        "3 1 skipped 30 skipped: the SLO failed at step 2 (20/s)",
        "4 2 complete 10 ",
        "5 2 not_run 20 not run: the experiment ended before this step",
        "6 2 not_run 30 not run: the experiment ended before this step",
      ],
    },
    {
      case: "a running experiment: the steps not reached are pending",
      ended: false,
      expected: [
        "1 1 complete 10 ",
        "2 1 complete 20 ",
        "3 1 skipped 30 skipped: the SLO failed at step 2 (20/s)",
        "4 2 complete 10 ",
        "5 2 pending 20 ",
        "6 2 pending 30 ",
      ],
    },
  ])("writes a row per replica count × rate: $case", ({ ended, expected }) => {
    const steps = [measured(1, 1, 10, true), measured(2, 1, 20, false), measured(4, 2, 10, true)];
    expect(rows(experimentCsv(steps, { spec, ended }))).toEqual(expected);
  });

  it("runs the rates after a failure when asked to continue, and skips none", () => {
    const steps = [measured(1, 1, 10, false)];
    const csv = experimentCsv(steps, {
      spec: { ...spec, replicas: [1], continue_after_failure: true },
      ended: false,
    });
    expect(rows(csv)).toEqual(["1 1 complete 10 ", "2 1 pending 20 ", "3 1 pending 30 "]);
  });

  it("writes the stored steps as they are when the stored spec no longer parses", () => {
    const csv = experimentCsv([measured(2, 1, 20, true)], { spec: null, ended: true });
    expect(rows(csv)).toEqual(["2 1 complete 20 "]);
  });
});
