/** Kubernetes quantities and the patches that set a workload's resources, replicas and HPA. */

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
 * sets the containers' requests and limits — and `spec.replicas` when given (never with an HPA:
 * it owns the count); containers merge by name, nothing else changes.
 */
export function resourcesPatch(
  workload: WorkloadRef,
  containers: readonly ContainerResources[],
  options: { readonly replicas?: number } = {},
) {
  return {
    apiVersion: "apps/v1",
    kind: workload.kind,
    metadata: { name: workload.name, namespace: workload.namespace },
    spec: {
      ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
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

/** An autoscaling/v2 metric as the API has it; only Resource/Utilization CPU targets are changed. */
export interface HpaMetric {
  readonly type: string;
  readonly resource?: {
    readonly name: string;
    readonly target: { readonly type: string; readonly averageUtilization?: number };
  };
  readonly [other: string]: unknown;
}

export const isCpuUtilization = (m: HpaMetric) =>
  m.type === "Resource" && m.resource?.name === "cpu" && m.resource.target.type === "Utilization";

/**
 * The patch of a HorizontalPodAutoscaler (autoscaling/v2): its bounds and, when it scales on CPU
 * utilisation, that target. `spec.metrics` is an atomic list (a patch replaces it whole), so the
 * HPA's other metrics are carried over unchanged; without a CPU utilisation metric they are left
 * alone entirely.
 */
export function hpaPatch(
  hpa: { readonly name: string; readonly namespace: string },
  recommendation: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly cpuUtilization: number | null;
  },
  metrics: readonly HpaMetric[] = [],
) {
  const cpu = recommendation.cpuUtilization;
  const replaced =
    cpu !== null && metrics.some(isCpuUtilization)
      ? metrics.map((m) =>
          isCpuUtilization(m)
            ? {
                ...m,
                resource: {
                  ...(m.resource as NonNullable<HpaMetric["resource"]>),
                  target: { type: "Utilization", averageUtilization: cpu },
                },
              }
            : m,
        )
      : undefined;
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: hpa.name, namespace: hpa.namespace },
    spec: {
      minReplicas: recommendation.minReplicas,
      maxReplicas: recommendation.maxReplicas,
      ...(replaced ? { metrics: replaced } : {}),
    },
  };
}
