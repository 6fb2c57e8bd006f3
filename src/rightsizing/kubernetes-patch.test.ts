import { describe, expect, it } from "vitest";
import { cpuQuantity, memoryQuantity, resourcesPatch } from "./kubernetes-patch.js";

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
