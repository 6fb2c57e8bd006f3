export { InProcessQueue } from "./in-process-queue.js";
export type { JobQueue, QueueCounts, QueuedRun, RunHandler } from "./job-queue.js";
