/** Kubernetes quantities and the strategic-merge patch that sets a container's resources. */

/** Cores as a Kubernetes CPU quantity, rounded up to a millicore: 0.2501 → "251m", 2 → "2". */
export function cpuQuantity(cores: number): string {
  const milli = Math.max(1, Math.ceil(cores * 1000 - 1e-9));
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Bytes as a Kubernetes memory quantity, rounded up to a mebibyte: 300e6 → "287Mi". */
export function memoryQuantity(bytes: number): string {
  const mi = Math.max(1, Math.ceil(bytes / 2 ** 20 - 1e-9));
  return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}

export interface ContainerResources {
  readonly container: string;
  readonly cpu?: { readonly request: number; readonly limit: number | null };
  readonly memory?: { readonly request: number; readonly limit: number };
}

export interface WorkloadRef {
  readonly kind: "Deployment" | "StatefulSet" | "DaemonSet";
  readonly name: string;
  readonly namespace: string;
}

/**
 * The patch (`kubectl patch --type strategic`, or server-side apply of the same object) that
 * sets the containers' requests and limits; containers merge by name, nothing else changes.
 */
export function resourcesPatch(workload: WorkloadRef, containers: readonly ContainerResources[]) {
  return {
    apiVersion: "apps/v1",
    kind: workload.kind,
    metadata: { name: workload.name, namespace: workload.namespace },
    spec: {
      template: {
        spec: {
          containers: containers.map((c) => {
            const requests: Record<string, string> = {};
            const limits: Record<string, string> = {};
            if (c.cpu) {
              requests.cpu = cpuQuantity(c.cpu.request);
              if (c.cpu.limit !== null) limits.cpu = cpuQuantity(c.cpu.limit);
            }
            if (c.memory) {
              requests.memory = memoryQuantity(c.memory.request);
              limits.memory = memoryQuantity(c.memory.limit);
            }
            return { name: c.container, resources: { requests, limits } };
          }),
        },
      },
    },
  };
}
