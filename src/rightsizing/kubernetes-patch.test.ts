import { describe, expect, it } from "vitest";
import { cpuQuantity, hpaPatch, memoryQuantity, resourcesPatch } from "./kubernetes-patch.js";

describe("Kubernetes quantities", () => {
  it.each([
    [0.2501, "251m"],
    [0.25, "250m"],
    [2, "2"],
    [0.00001, "1m"],
    [1.5, "1500m"],
  ])("%f cores is %s", (cores, quantity) => expect(cpuQuantity(cores)).toBe(quantity));

  it.each([
    [300e6, "287Mi"],
    [2 ** 30, "1Gi"],
    [2 ** 30 + 1, "1025Mi"],
    [1, "1Mi"],
  ])("%f bytes is %s", (bytes, quantity) => expect(memoryQuantity(bytes)).toBe(quantity));
});

describe("resourcesPatch", () => {
  it("sets requests and limits per container, leaving out a CPU limit that is null", () => {
    const patch = resourcesPatch({ kind: "Deployment", name: "api", namespace: "shop" }, [
      { container: "api", cpu: { request: 0.25, limit: null }, memory: { request: 2 ** 29, limit: 2 ** 30 } },
      { container: "sidecar", cpu: { request: 0.05, limit: 0.1 } },
    ]);
    expect(patch).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "api", namespace: "shop" },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "api",
                resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } },
              },
              { name: "sidecar", resources: { requests: { cpu: "50m" }, limits: { cpu: "100m" } } },
            ],
          },
        },
      },
    });
  });
});

describe("resourcesPatch with replicas", () => {
  it("sets spec.replicas beside the template when a count is given, and not otherwise", () => {
    const ref = { kind: "StatefulSet", name: "db", namespace: "shop" } as const;
    const containers = [{ container: "db", cpu: { request: 1, limit: 2 } }];
    expect(resourcesPatch(ref, containers, { replicas: 3 }).spec.replicas).toBe(3);
    expect(resourcesPatch(ref, containers).spec).not.toHaveProperty("replicas");
    expect(resourcesPatch(ref, containers, { replicas: 3 }).kind).toBe("StatefulSet");
  });
});

describe("hpaPatch", () => {
  const cpu = {
    type: "Resource",
    resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
  };
  const memory = {
    type: "Resource",
    resource: { name: "memory", target: { type: "Utilization", averageUtilization: 75 } },
  };
  const external = { type: "External", external: { metric: { name: "queue_depth" } } };

  it("replaces the CPU utilisation target and carries the other metrics over (the list is atomic)", () => {
    const patch = hpaPatch(
      { name: "cart", namespace: "shop" },
      { minReplicas: 2, maxReplicas: 12, cpuUtilization: 65 },
      [memory, cpu, external],
    );
    expect(patch).toEqual({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "cart", namespace: "shop" },
      spec: {
        minReplicas: 2,
        maxReplicas: 12,
        metrics: [
          memory,
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 65 } },
          },
          external,
        ],
      },
    });
  });

  it("leaves the metrics alone when the HPA does not scale on CPU utilisation or no target is known", () => {
    const bounds = { minReplicas: 1, maxReplicas: 4 };
    expect(
      hpaPatch({ name: "a", namespace: "b" }, { ...bounds, cpuUtilization: 70 }, [external]).spec,
    ).toEqual(bounds);
    expect(hpaPatch({ name: "a", namespace: "b" }, { ...bounds, cpuUtilization: null }, [cpu]).spec).toEqual(
      bounds,
    );
  });
});
