import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addRunJobs, runJob } from "../../src/queue/bullmq-queue.js";
import { deletePrefix, REDIS_URL, uniquePrefix } from "../support/redis.js";

describe.skipIf(!REDIS_URL)("addRunJobs: a run's job on Redis (REDIS_URL; skipped without it)", () => {
  const redisUrl = REDIS_URL!;
  let prefix: string;
  let connection: Redis;
  let queue: Queue;

  beforeEach(async () => {
    prefix = uniquePrefix();
    // As the API's producer connection: no offline queue, no auto-pipelining.
    connection = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    queue = new Queue("runs", { connection, prefix });
    await queue.waitUntilReady();
  });
  afterEach(async () => {
    await queue.close();
    connection.disconnect();
    await deletePrefix(redisUrl, prefix);
  });

  /** What Redis holds of each waiting job: the fields a worker reads. */
  async function waiting() {
    const jobs = await queue.getJobs(["waiting"]);
    return jobs
      .map((job) => ({ id: job.id, name: job.name, data: job.data, attempts: job.opts.attempts }))
      .sort((a, b) => String(a.id).localeCompare(String(b.id)));
  }

  const expected = (runId: number, attempt: number) => {
    const job = runJob({ runId, attempt });
    return { id: job.opts.jobId, name: job.name, data: job.data, attempts: job.opts.attempts };
  };

  it("adds one run's job (one script call) and several runs' jobs (one pipeline) alike", async () => {
    await addRunJobs(queue, [{ runId: 1, attempt: 0 }]);
    await addRunJobs(queue, [
      { runId: 2, attempt: 0 },
      { runId: 3, attempt: 1 },
      { runId: 4, attempt: 0 },
    ]);
    expect(await waiting()).toEqual([expected(1, 0), expected(2, 0), expected(3, 1), expected(4, 0)]);
    const one = await queue.getJob(String(expected(1, 0).id));
    const many = await queue.getJob(String(expected(3, 1).id));
    expect(one?.opts.backoff).toEqual(runJob({ runId: 1, attempt: 0 }).opts.backoff);
    expect(many?.opts.removeOnComplete).toEqual({ count: 1000 });
  });

  it("adds a run's job once, however many times it is added, alone or in a batch", async () => {
    await addRunJobs(queue, [{ runId: 5, attempt: 0 }]);
    await addRunJobs(queue, [{ runId: 5, attempt: 0 }]);
    await addRunJobs(queue, [
      { runId: 5, attempt: 0 },
      { runId: 6, attempt: 0 },
    ]);
    expect(await waiting()).toEqual([expected(5, 0), expected(6, 0)]);
  });

  it("adds nothing for no runs", async () => {
    await addRunJobs(queue, []);
    expect(await queue.getJobCounts("waiting")).toEqual({ waiting: 0 });
  });
});
