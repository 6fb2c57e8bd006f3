import { availableParallelism } from "node:os";
import type { Registry } from "prom-client";
import { fetch as undiciFetch } from "undici";
import { type AddressPolicy, checkUrl, createGuardedAgent, resolveGuarded } from "../../net/ssrf/index.js";
import type { Database } from "../../store/database.js";
import { ExperimentsRepo } from "../../store/experiments-repo.js";
import { RightsizingRepo } from "../../store/rightsizing-repo.js";
import { TaskLeasesRepo } from "../../store/task-leases-repo.js";
import type { Logger } from "../../telemetry/logger.js";
import { RightsizingMetrics } from "../../telemetry/rightsizing-metrics.js";
import { TaskLeases } from "../task-leases.js";
import { CollectionService } from "./collection-service.js";
import { PrometheusClient } from "./prometheus-client.js";
import { RecommendationService } from "./recommendation-service.js";

/** Rightsizing as the server runs it: collections and recommendations over one repository. */
export interface Rightsizing {
  repo: RightsizingRepo;
  collections: CollectionService;
  recommendations: RecommendationService;
  /** Interrupts collections (resumed at the next start) and stops waiting for recommendations. */
  close(): Promise<void>;
}

export interface RightsizingOptions {
  db: Database;
  /** The server's outbound policy: a recommendation's Prometheus URL is user input. */
  policy: AddressPolicy;
  registry: Registry;
  logger: Logger;
  /**
   * This process is the only one using the store (embedded queue): what was left collecting or
   * running was left by a stopped process and is resumed now. Otherwise (several processes with
   * Redis) each collection and recommendation is worked on under a lease of `taskLeaseMs`, and
   * those whose lease ran out (their process died) are taken over, looked for every half lease.
   */
  exclusive: boolean;
  taskLeaseMs?: number;
  /** Worker threads per recommendation (default: the cores but one, at least one). */
  threads?: number;
}

/** Composes the rightsizing services, recovers what a stopped process left, and primes the gauges. */
export async function openRightsizing({
  db,
  policy,
  registry,
  logger,
  exclusive,
  taskLeaseMs = 30_000,
  threads = Math.max(1, availableParallelism() - 1),
}: RightsizingOptions): Promise<Rightsizing> {
  const repo = new RightsizingRepo(db);
  const leaseRepo = new TaskLeasesRepo(db);
  const leases = (kind: "collection" | "recommendation") =>
    exclusive ? undefined : new TaskLeases(leaseRepo, kind, { ttlMs: taskLeaseMs, logger });
  const metrics = new RightsizingMetrics(registry);
  // Every connection to a Prometheus is checked against the policy, also after DNS changes.
  const agent = createGuardedAgent(policy);
  const guardedFetch = ((input: string, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;
  const collections = new CollectionService({
    repo,
    clientFor: (url) => new PrometheusClient(url, { fetch: guardedFetch }),
    metrics,
    logger,
    leases: leases("collection"),
  });
  const recommendations = new RecommendationService({
    repo,
    experiments: new ExperimentsRepo(db),
    collections,
    metrics,
    logger,
    threads,
    leases: leases("recommendation"),
    checkUrl: async (url) => {
      const parsed = checkUrl(url, policy);
      await resolveGuarded(parsed.hostname, policy);
    },
  });
  await recommendations.primeMetrics();
  const recover = async () => {
    const resumed = (await collections.recover()) + (await recommendations.recover());
    if (resumed > 0) logger.info({ resumed }, "rightsizing collections and recommendations resumed");
  };
  await recover();
  const scan = exclusive
    ? undefined
    : setInterval(
        () => void recover().catch((error) => logger.warn({ err: error }, "rightsizing lease scan failed")),
        taskLeaseMs / 2,
      ).unref();
  let closing: Promise<void> | undefined;
  return {
    repo,
    collections,
    recommendations,
    // Once, however often it is called (a platform's close may run twice).
    close: () =>
      (closing ??= (async () => {
        if (scan) clearInterval(scan);
        // Both stop at once: a recommendation waiting for its collection ends with it.
        await Promise.all([recommendations.close(), collections.close()]);
        await agent.close();
      })()),
  };
}
