export { InProcessQueue } from "./in-process-queue.js";
export type { JobHandlers, JobQueue, QueueCounts, QueuedRun, RunHandler } from "./job-queue.js";
