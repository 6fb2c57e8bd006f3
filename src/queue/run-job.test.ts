import { describe, expect, it } from "vitest";
import { runJob } from "./bullmq-queue.js";
import { JOB_CATALOG } from "./job-catalog.js";

describe("runJob: the BullMQ job of a queued run", () => {
  it("names a run's attempt by its id, with the catalog's retry policy and payload", () => {
    expect(runJob({ runId: 7, attempt: 2 })).toEqual({
      name: "run.execute",
      data: { run_id: 7, attempt: 2 },
      opts: {
        jobId: "run-7-2",
        attempts: JOB_CATALOG["run.execute"].attempts,
        backoff: JOB_CATALOG["run.execute"].backoff,
        removeOnComplete: { count: 1000 },
        removeOnFail: true,
      },
    });
  });

  it("names a shard by its run, attempt and index", () => {
    const job = runJob({ runId: 7, attempt: 1, shard: 3 });
    expect(job.name).toBe("run.shard");
    expect(job.data).toEqual({ run_id: 7, attempt: 1, shard: 3 });
    expect(job.opts.jobId).toBe("shard-7-1-3");
  });

  it("refuses a payload the catalog refuses", () => {
    expect(() => runJob({ runId: 0, attempt: 0 })).toThrow(/run_id/);
  });
});
