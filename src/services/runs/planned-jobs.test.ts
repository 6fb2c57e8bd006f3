import { describe, expect, it } from "vitest";
import { plannedJobs } from "./run-service.js";

describe("plannedJobs", () => {
  it.each([
    [{ model: "closed", jobs: 100, concurrency: 10 }, 100],
    [{ model: "closed", duration: "30s", concurrency: 10 }, undefined],
    [{ model: "open", rate: 50, duration: "30s" }, 1500],
    [{ model: "open", rate: 2.5, duration: 3 }, 8],
    [{ model: "stages", target: "rate", start: 0, stages: [{ duration: "10s", target: 100 }] }, 500],
    [
      {
        model: "stages",
        target: "rate",
        stages: [
          { duration: "10s", target: 100 },
          { duration: "1m", target: 100 },
          { duration: "10s", target: 0 },
        ],
      },
      7000,
    ],
    [{ model: "stages", target: "concurrency", stages: [{ duration: "10s", target: 5 }] }, undefined],
    [{ model: "open", rate: 10 }, undefined],
  ])("%j runs %s jobs", (load, jobs) => {
    expect(plannedJobs(load as Record<string, unknown>)).toBe(jobs);
  });
});
